import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { BusError } from './classify.ts';

/** The parts of gstreamer-superficial this service uses. */
type GstElement = Record<string, unknown> & {
  pull?: (cb: (buf: Buffer | null, caps: Record<string, unknown>) => void) => void;
};
type GstPipeline = {
  play(): void;
  stop(): void;
  findChild(name: string): GstElement | undefined;
  pollBus(cb: (msg: Record<string, unknown> & { type: string }) => void): void;
  'auto-flush-bus': boolean;
};
type GstModule = { Pipeline: new (description: string) => GstPipeline };

const require = createRequire(import.meta.url);
let gst: GstModule | undefined;
/** Load the native binding lazily (it initialises GStreamer). */
export function gstreamer(): GstModule {
  gst ??= require('gstreamer-superficial') as GstModule;
  return gst;
}

export type Caps = { width?: number; height?: number; format?: string; name?: string };

export type SessionHandlers = {
  onFrame(buf: Buffer, caps: Caps): void;
  onSnapshot(buf: Buffer, caps: Caps): void;
  onError(err: BusError): void;
  onWarning(warn: BusError): void;
  onEos(): void;
};

/**
 * One run of a camera pipeline. Each appsink pull and the bus poll hold a libuv thread-pool thread
 * while they wait, so the pool is sized from the camera count (see main.ts). The bus is not
 * auto-flushed on stop, so the pending bus poll sees the state change, returns and frees its thread.
 * After stop() no handler is called again.
 */
export class GstSession {
  /** Bus polls still holding a pool thread (live sessions, plus any stopped one not yet woken). */
  static pendingBusPolls = 0;
  private pipeline: GstPipeline | undefined;
  private stopped = false;
  private busPolling = false;
  private counterSinks: { decoded?: GstElement | undefined; encoded?: GstElement | undefined } = {};

  constructor(
    private readonly description: string,
    private readonly handlers: SessionHandlers,
    private readonly properties: Record<string, Record<string, string>> = {},
  ) {}

  /** Build and play; throws when the description does not parse (a bad element or property). */
  start(): void {
    const p = new (gstreamer().Pipeline)(this.description);
    p['auto-flush-bus'] = false;
    for (const [element, props] of Object.entries(this.properties)) {
      const el = p.findChild(element);
      if (el) for (const [k, v] of Object.entries(props)) el[k] = v;
    }
    this.pipeline = p;
    this.busPolling = true;
    GstSession.pendingBusPolls++;
    p.pollBus((msg) => {
      if (!this.stopped) {
        try {
          if (msg.type === 'error') this.handlers.onError(msg as BusError);
          else if (msg.type === 'warning') this.handlers.onWarning(msg as BusError);
          else if (msg.type === 'eos') this.handlers.onEos();
        } catch {
          /* handlers never throw into the binding */
        }
      }
      // Stopped (before or inside this callback): the pipeline is in NULL, so the binding does not
      // poll again and the pool thread is free.
      if (this.stopped && this.busPolling) {
        this.busPolling = false;
        GstSession.pendingBusPolls--;
      }
    });
    p.play();
    this.counterSinks = { decoded: p.findChild('dcount'), encoded: p.findChild('ecount') };
    this.pullLoop('sink', (b, c) => this.handlers.onFrame(b, c));
    this.pullLoop('snap', (b, c) => this.handlers.onSnapshot(b, c));
  }

  private pullLoop(name: string, deliver: (buf: Buffer, caps: Caps) => void): void {
    const sink = this.pipeline?.findChild(name);
    if (!sink?.pull) return;
    const onPull = (buf: Buffer | null, caps: Record<string, unknown>) => {
      if (this.stopped) return;
      if (!buf) return; // EOS or flushing: the bus reports why
      try {
        deliver(buf, caps as Caps);
      } catch {
        /* a bad frame never stops the loop */
      }
      sink.pull?.(onPull);
    };
    sink.pull(onPull);
  }

  /** Frames the decoder produced and encoded units that arrived so far (undefined when not counted). */
  counters(): { decoded?: number; encoded?: number } {
    const read = (el: GstElement | undefined) => {
      if (!el || this.stopped) return undefined;
      const m = /rendered=\(guint64\)(\d+)/.exec(String(el.stats ?? ''));
      return m ? Number(m[1]) : undefined;
    };
    const decoded = read(this.counterSinks.decoded);
    const encoded = read(this.counterSinks.encoded);
    return { ...(decoded !== undefined ? { decoded } : {}), ...(encoded !== undefined ? { encoded } : {}) };
  }

  /** Stop (state NULL, synchronous); pending pulls return at once. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const t0 = Date.now();
    try {
      this.pipeline?.stop();
      if (process.env.INGEST_DEBUG_STOP && Date.now() - t0 > 200)
        console.error(`STOP took ${Date.now() - t0} ms: ${this.description.slice(0, 80)}`);
    } catch {
      /* already stopped */
    }
    this.pipeline = undefined;
    this.counterSinks = {};
  }
}

/** Whether a GStreamer element factory exists here (e.g. nvh264dec). */
export function hasElement(name: string): boolean {
  const r = spawnSync('gst-inspect-1.0', ['--exists', name], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}
