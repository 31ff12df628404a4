#!/usr/bin/env bash
# Prepare the demo camera's media ONCE (cached in .data/demo/): OpenCV's pedestrian clip vtest.avi
# (Debian package opencv-doc) transcoded to H.264 Annex-B with access-unit delimiters, no B-frames.
#   prepare-media.sh            -> .data/demo/{vtest-native,vtest-720,vtest-1080,still-native}.h264, vtest-native.h265
#   prepare-media.sh FILE OUT   -> transcode any video FILE to OUT (.h264) for `demo-camera.sh start --file`
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
DEMO="$DATA/demo"
mkdir -p "$DEMO"
command -v ffmpeg >/dev/null || die "ffmpeg is missing (apt-get install ffmpeg, or run npm run setup)"

# x264 options: Annex-B with AUDs (the server splits access units on them), SPS/PPS on every IDR,
# IDR every 2 s at 10 fps, no B-frames (pts == dts, low latency).
X264=(-c:v libx264 -preset veryfast -tune zerolatency -profile:v high -pix_fmt yuv420p -bf 0 -g 20
  -x264-params "aud=1:repeat-headers=1:scenecut=0" -an -f h264)

encode() { # encode NAME SRC [ffmpeg input/filter args...]
  local name="$1" out="$DEMO/$1"; shift
  if [ -s "$out" ]; then return; fi
  step "demo media: encoding $name (once; cached in .data/demo)"
  ffmpeg -hide_banner -loglevel error -stats -y "$@" "${X264[@]}" "$out.tmp" || { rm -f "$out.tmp"; die "ffmpeg failed encoding $name"; }
  mv "$out.tmp" "$out"
}

find_vtest() {
  local doc=/usr/share/doc/opencv-doc/examples/data
  if [ -f "$doc/vtest.avi" ]; then echo "$doc/vtest.avi"; return; fi
  if [ -f "$doc/vtest.avi.gz" ]; then
    [ -s "$DEMO/vtest.avi" ] || { gzip -dc "$doc/vtest.avi.gz" >"$DEMO/vtest.avi.tmp" && mv "$DEMO/vtest.avi.tmp" "$DEMO/vtest.avi"; }
    echo "$DEMO/vtest.avi"; return
  fi
  # Not installed: fetch the .deb with apt and extract it without installing (dpkg-deb -x).
  local x="$DEMO/opencv-doc"
  if [ ! -d "$x/usr" ]; then
    step "demo media: opencv-doc is not installed; extracting vtest.avi from the Debian package with dpkg-deb"
    (cd "$DEMO" && apt-get download opencv-doc >/dev/null 2>&1) || die "cannot download opencv-doc (apt-get download opencv-doc); install it with apt-get install opencv-doc"
    dpkg-deb -x "$DEMO"/opencv-doc_*.deb "$x"
    rm -f "$DEMO"/opencv-doc_*.deb
  fi
  if [ -f "$x$doc/vtest.avi" ]; then echo "$x$doc/vtest.avi"; return; fi
  if [ -f "$x$doc/vtest.avi.gz" ]; then gzip -dc "$x$doc/vtest.avi.gz" >"$DEMO/vtest.avi"; echo "$DEMO/vtest.avi"; return; fi
  die "vtest.avi not found in the opencv-doc package"
}

if [ $# -ge 2 ]; then
  src="$1" out="$2"
  [ -f "$src" ] || die "no such video file: $src"
  [ -s "$out" ] && { ok "demo media: $out already prepared"; exit 0; }
  step "demo media: transcoding $src -> $out"
  ffmpeg -hide_banner -loglevel error -stats -y -i "$src" "${X264[@]}" "$out.tmp" || { rm -f "$out.tmp"; die "ffmpeg failed on $src"; }
  mv "$out.tmp" "$out"; ok "demo media: $out ready"; exit 0
fi

need=0
for f in vtest-native.h264 vtest-720.h264 vtest-1080.h264 still-native.h264 vtest-native.h265; do [ -s "$DEMO/$f" ] || need=1; done
if [ $need -eq 0 ]; then exit 0; fi
VTEST="$(find_vtest)"
encode vtest-native.h264 -i "$VTEST"
encode vtest-720.h264 -i "$VTEST" -vf "scale=1280:720:flags=bicubic,setsar=1"
encode vtest-1080.h264 -i "$VTEST" -vf "scale=1920:1080:flags=bicubic,setsar=1"
# A static scene: the clip's first frame held for 10 s.
encode still-native.h264 -i "$VTEST" -vf "select=eq(n\,0),loop=loop=99:size=1:start=0,setpts=N/10/TB" -r 10 -frames:v 100
# H.265 (first 20 s) for cameras that send HEVC.
if [ ! -s "$DEMO/vtest-native.h265" ]; then
  step "demo media: encoding vtest-native.h265 (once; cached in .data/demo)"
  ffmpeg -hide_banner -loglevel error -stats -y -i "$VTEST" -frames:v 200 -c:v libx265 -preset ultrafast -pix_fmt yuv420p \
    -x265-params "aud=1:repeat-headers=1:bframes=0:keyint=20:scenecut=0:log-level=error" -an -f hevc "$DEMO/vtest-native.h265.tmp" \
    || { rm -f "$DEMO/vtest-native.h265.tmp"; die "ffmpeg failed encoding vtest-native.h265"; }
  mv "$DEMO/vtest-native.h265.tmp" "$DEMO/vtest-native.h265"
fi
ok "demo media: ready in .data/demo"
