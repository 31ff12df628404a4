#!/usr/bin/python3
"""Sentinel demo camera: an RTSP server on localhost that loops real footage.

Each mount serves a pre-encoded H.264 Annex-B file (made once by prepare-media.sh) through
`appsrc ! h264parse ! rtph264pay`. Access units are pushed with monotonically increasing
timestamps, so the loop never jumps backwards and clients see one endless live stream.

Mounts (default media under .data/demo/):
  /demo        vtest.avi at its native 768x576, 10 fps, looping
  /demo-720    the same clip upscaled to 1280x720
  /demo-1080   the same clip upscaled to 1920x1080
  /demo-h265   the first 20 s of the clip in H.265 at 768x576
  /still       a static scene (first frame of the clip, repeated): no motion
  /once        the clip played for --once-seconds, then end of stream
  /corrupt     the clip for one second, then undecodable garbage slices (data flows, nothing decodes)
  /glitchy     the clip with random bytes overwritten in every access unit after the first second
  /secure      the clip behind RTSP basic auth (--user / --password)
  /unknown     a video stream in a codec no decoder knows (for 'unsupported codec')
  /file        any H.264 Annex-B file given with --file (optional)

The health endpoint is the RTSP server itself (OPTIONS on /demo), checked by demo-camera.sh.
"""

import argparse
import os
import random
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def is_aud(codec: str, header: int) -> bool:
    """Access unit delimiter: H.264 NAL type 9, H.265 NAL type 35."""
    return (header & 0x1F) == 9 if codec == "h264" else ((header >> 1) & 0x3F) == 35


def split_access_units(data: bytes, codec: str = "h264") -> list:
    """Split an Annex-B H.264/H.265 stream into access units, each starting at an AUD."""
    starts = []
    i = 0
    n = len(data)
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0 or j + 3 >= n:
            break
        if is_aud(codec, data[j + 3]):
            s = j - 1 if j > 0 and data[j - 1] == 0 else j
            starts.append(s)
        i = j + 3
    if not starts:
        raise ValueError("no access unit delimiters found (encode with x264 aud=1)")
    starts.append(n)
    return [data[starts[k] : starts[k + 1]] for k in range(len(starts) - 1)]


def is_keyframe(au: bytes) -> bool:
    i = 0
    while True:
        j = au.find(b"\x00\x00\x01", i)
        if j < 0 or j + 3 >= len(au):
            return False
        if au[j + 3] & 0x1F == 5:
            return True
        i = j + 3


class Clip:
    """An H.264 clip held in memory as access units."""

    def __init__(self, path: str, fps: float, codec: str = "h264"):
        self.codec = codec
        with open(path, "rb") as f:
            self.units = split_access_units(f.read(), codec)
        self.fps = fps
        self.duration_ns = int(Gst.SECOND / fps)


class Feeder:
    """Pushes access units of a clip into one appsrc with continuous timestamps."""

    def __init__(self, appsrc, clip: Clip, mode: dict):
        self.appsrc = appsrc
        self.clip = clip
        self.mode = mode
        self.n = 0
        self.rng = random.Random(1234)
        appsrc.connect("need-data", self.on_need_data)

    def on_need_data(self, src, _length):
        limit = self.mode.get("end_after_frames")
        if limit is not None and self.n >= limit:
            src.emit("end-of-stream")
            return
        au = self.clip.units[self.n % len(self.clip.units)]
        if self.mode.get("corrupt") and self.n >= self.clip.fps:
            au = self.corrupt(au)
        buf = Gst.Buffer.new_wrapped(au)
        buf.pts = self.n * self.clip.duration_ns
        buf.dts = buf.pts
        buf.duration = self.clip.duration_ns
        self.n += 1
        src.emit("push-buffer", buf)

    def corrupt(self, au: bytes) -> bytes:
        if self.mode.get("garbage"):
            # AUD, then a non-IDR slice NAL whose body is random bytes: nothing decodable.
            body = bytes(self.rng.randrange(1, 256) for _ in range(max(64, len(au) - 10)))
            return au[:6] + b"\x00\x00\x00\x01\x41" + body
        b = bytearray(au)
        # Keep the access unit delimiter (6 bytes) so the stream stays splittable; scramble a
        # quarter of every other byte, NAL headers and parameter sets included.
        for _ in range(max(8, len(b) // 4)):
            k = self.rng.randrange(6, len(b)) if len(b) > 6 else 0
            b[k] = self.rng.randrange(256)
        return bytes(b)


class DemoAuth(GstRtspServer.RTSPAuth):
    """Basic auth only on /secure (answering 401 with a challenge); every other mount is open."""


    def do_check(self, ctx, check):
        path = ctx.uri.abspath if ctx.uri else ""
        if not path.startswith("/secure"):
            return True
        return GstRtspServer.RTSPAuth.do_check(self, ctx, check)


class ClipFactory(GstRtspServer.RTSPMediaFactory):
    def __init__(self, clip: Clip, mode: dict):
        super().__init__()
        self.clip = clip
        self.mode = mode
        c = clip.codec
        caps = f"video/x-{c},stream-format=byte-stream,alignment=au,framerate={int(clip.fps)}/1"
        self.set_launch(
            f'( appsrc name=src is-live=false format=time caps="{caps}" '
            f"! {c}parse config-interval=-1 ! rtp{c}pay name=pay0 pt=96 config-interval=-1 )"
        )
        self.set_shared(True)
        self.connect("media-configure", self.on_configure)

    def on_configure(self, _factory, media):
        appsrc = media.get_element().get_by_name("src")
        media._feeder = Feeder(appsrc, self.clip, self.mode)  # keep a reference with the media


def unknown_codec_factory() -> GstRtspServer.RTSPMediaFactory:
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(
        "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=64,height=64,framerate=5/1 "
        '! capssetter replace=true caps="video/x-sentinel-unknown-codec" '
        "! rtpgstpay name=pay0 pt=96 config-interval=1 )"
    )
    f.set_shared(True)
    return f


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("SENTINEL_RTSP_PORT", "8554")))
    p.add_argument("--media-dir", required=True, help="folder with vtest-*.h264 made by prepare-media.sh")
    p.add_argument("--fps", type=float, default=10.0, help="frame rate of the prepared clips")
    p.add_argument("--once-seconds", type=float, default=4.0)
    p.add_argument("--user", default="demo")
    p.add_argument("--password", default="demo-secret")
    p.add_argument("--file", help="extra H.264 Annex-B file (with AUDs) served at /file")
    p.add_argument("--file-fps", type=float, default=25.0)
    args = p.parse_args()

    Gst.init(None)
    media = lambda name: os.path.join(args.media_dir, name)  # noqa: E731
    native = Clip(media("vtest-native.h264"), args.fps)
    mounts = {
        "/demo": (native, {}),
        "/demo-720": (Clip(media("vtest-720.h264"), args.fps), {}),
        "/demo-1080": (Clip(media("vtest-1080.h264"), args.fps), {}),
        "/still": (Clip(media("still-native.h264"), args.fps), {}),
        "/once": (native, {"end_after_frames": int(args.once_seconds * args.fps)}),
        "/corrupt": (native, {"corrupt": True, "garbage": True}),
        "/glitchy": (native, {"corrupt": True}),
        "/secure": (native, {}),
        "/demo-h265": (Clip(media("vtest-native.h265"), args.fps, "h265"), {}),
    }
    if args.file:
        mounts["/file"] = (Clip(args.file, args.file_fps), {})

    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))

    user = role_token("user")
    auth = DemoAuth()
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), user)
    server.set_auth(auth)

    points = server.get_mount_points()
    for path, (clip, mode) in mounts.items():
        f = ClipFactory(clip, mode)
        allow_role(f, "user")
        if path != "/secure":
            allow_role(f, "anonymous")
        points.add_factory(path, f)
    unknown = unknown_codec_factory()
    allow_role(unknown, "anonymous")
    allow_role(unknown, "user")
    points.add_factory("/unknown", unknown)

    if server.attach(None) == 0:
        print(f"demo-camera: cannot listen on {args.host}:{args.port} (port in use?)", file=sys.stderr)
        return 2
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(
        f"demo-camera: serving rtsp://{args.host}:{args.port}{{{','.join([*mounts, '/unknown'])}}}",
        flush=True,
    )
    loop.run()
    return 0


def role_token(role: str):
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, role)
    return token


def allow_role(factory, role: str) -> None:
    factory.add_role_from_structure(
        Gst.Structure.new_from_string(
            f"{role}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
        )
    )


if __name__ == "__main__":
    sys.exit(main())
