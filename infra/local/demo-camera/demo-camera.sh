#!/usr/bin/env bash
# The demo camera: an RTSP server on 127.0.0.1:$SENTINEL_RTSP_PORT (default 8554) looping OpenCV's vtest.avi.
#   demo-camera.sh start [--file VIDEO] [--port N]   start (idempotent), wait until it answers RTSP
#   demo-camera.sh stop                               stop it (pid in .data/run/demo-camera.pid)
#   demo-camera.sh status                             exit 0 when healthy
# Mounts: /demo (768x576), /demo-720, /demo-1080, /demo-h265, /still, /once, /corrupt, /glitchy, /secure (demo:demo-secret),
# /unknown and, with --file, /file. Logs: .data/logs/demo-camera.log.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
PID="$RUN/demo-camera.pid"
LOG="$LOGS/demo-camera.log"
mkdir -p "$RUN" "$LOGS"

cmd="${1:-status}"; shift || true
PORT="$SENTINEL_RTSP_PORT"
FILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --file) FILE="$2"; shift 2 ;;
    *) die "demo-camera: unknown option $1 (use --port N, --file VIDEO)" ;;
  esac
done

# rtsp_ok PORT -> true when an RTSP OPTIONS request to /demo answers 200
rtsp_ok() {
  local reply
  reply="$( { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'OPTIONS rtsp://127.0.0.1:%s/demo RTSP/1.0\r\nCSeq: 1\r\n\r\n' "$1" >&3 && timeout 2 head -c 15 <&3; } 2>/dev/null)" || return 1
  [[ "$reply" == "RTSP/1.0 200 OK" ]]
}

start() {
  if pid_alive "$PID"; then
    if rtsp_ok "$(sed -n 2p "$PID")"; then ok "demo-camera: already running on rtsp://127.0.0.1:$(sed -n 2p "$PID")/demo"; return; fi
    die "demo-camera: pid $(head -1 "$PID") is alive but does not answer RTSP; see $LOG or run: $0 stop"
  fi
  [ -f "$PID" ] && { step "demo-camera: removing stale pid file (process $(head -1 "$PID") is gone)"; rm -f "$PID"; }
  port_in_use "$PORT" && die "demo-camera: port $PORT is already in use by another process. Stop it or pick another port with SENTINEL_RTSP_PORT=<port> (or --port)."
  [ -x /usr/bin/python3 ] || die "demo-camera: /usr/bin/python3 missing (apt-get install python3-gi gir1.2-gst-rtsp-server-1.0)"
  /usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer','1.0')" 2>/dev/null \
    || die "demo-camera: python3-gi or gir1.2-gst-rtsp-server-1.0 is missing (run npm run setup)"
  bash "$HERE/prepare-media.sh"
  local extra=()
  if [ -n "$FILE" ]; then
    local out="$DATA/demo/file-$(printf '%s' "$(realpath "$FILE")" | sha1sum | cut -c1-12).h264"
    bash "$HERE/prepare-media.sh" "$FILE" "$out"
    local fps
    fps="$(ffprobe -v error -select_streams v:0 -show_entries stream=avg_frame_rate -of csv=p=0 "$FILE" | awk -F/ '{ if ($2 > 0) printf "%.3f", $1 / $2; else print 25 }')"
    extra=(--file "$out" --file-fps "${fps:-25}")
  fi
  step "demo-camera: starting on rtsp://127.0.0.1:$PORT (log .data/logs/demo-camera.log)"
  setsid nohup /usr/bin/python3 "$HERE/demo_camera.py" --port "$PORT" --media-dir "$DATA/demo" "${extra[@]}" \
    >>"$LOG" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" "$PORT" >"$PID"
  for _ in $(seq 1 100); do
    if rtsp_ok "$PORT"; then ok "demo-camera: healthy: rtsp://127.0.0.1:$PORT/{demo,demo-720,demo-1080,still}"; return; fi
    pid_alive "$PID" || { rm -f "$PID"; tail -5 "$LOG" >&2; die "demo-camera: exited during start; see $LOG"; }
    sleep 0.1
  done
  die "demo-camera: not answering RTSP after 10 s; see $LOG"
}

stop() {
  if pid_alive "$PID"; then
    local p; p="$(head -1 "$PID")"
    kill "$p"
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p"
  fi
  rm -f "$PID"
  ok "demo-camera: stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if pid_alive "$PID" && rtsp_ok "$(sed -n 2p "$PID")"; then ok "demo-camera: healthy on rtsp://127.0.0.1:$(sed -n 2p "$PID")/demo"; exit 0; fi
    printf '  demo-camera DOWN\n' >&2; exit 1 ;;
  *) die "usage: demo-camera.sh start|stop|restart|status [--port N] [--file VIDEO]" ;;
esac
