import type { CameraState } from '@sentinel/common';
import { createMetricsRegistry, prom } from '@sentinel/common';

const STATES: CameraState[] = ['starting', 'streaming', 'reconnecting', 'offline', 'error'];

/** Per-camera ingest metrics (label `camera`). */
export function createIngestMetrics(registry = createMetricsRegistry('ingest')) {
  const m = {
    registry,
    decoded: new prom.Counter({
      name: 'ingest_frames_decoded_total',
      help: 'Frames the decoder produced (before rate limiting to the detect fps)',
      labelNames: ['camera'],
      registers: [registry],
    }),
    published: new prom.Counter({
      name: 'ingest_frames_published_total',
      help: 'Frames published on frames.<camera>; kind=motion|track|keepalive|ungated',
      labelNames: ['camera', 'kind'],
      registers: [registry],
    }),
    dropped: new prom.Counter({
      name: 'ingest_frames_dropped_total',
      help: 'Decoded frames not published; reason=rate (above detect fps)|no_motion (gated)|nats_down|too_large|no_source_size',
      labelNames: ['camera', 'reason'],
      registers: [registry],
    }),
    fps: new prom.Gauge({
      name: 'ingest_decode_fps',
      help: 'Decoded frames per second over the last ~5 s',
      labelNames: ['camera'],
      registers: [registry],
    }),
    motionRatio: new prom.Gauge({
      name: 'ingest_motion_ratio',
      help: 'Fraction of changed pixels in the last analysed frame',
      labelNames: ['camera'],
      registers: [registry],
    }),
    reconnects: new prom.Counter({
      name: 'ingest_reconnects_total',
      help: 'Pipeline restarts after an error, end of stream or watchdog',
      labelNames: ['camera', 'reason'],
      registers: [registry],
    }),
    state: new prom.Gauge({
      name: 'ingest_camera_state',
      help: 'Current camera state (1 for the current state, 0 otherwise)',
      labelNames: ['camera', 'state'],
      registers: [registry],
    }),
    snapshots: new prom.Counter({
      name: 'ingest_snapshots_total',
      help: 'JPEG snapshots written to the object store; kind=ring|on_demand',
      labelNames: ['camera', 'kind'],
      registers: [registry],
    }),
    owned: new prom.Gauge({
      name: 'ingest_owned_cameras',
      help: 'Cameras this worker holds a lease for',
      registers: [registry],
    }),
    busPolls: new prom.Gauge({
      name: 'ingest_gst_bus_polls_pending',
      help: 'GStreamer bus polls holding a libuv pool thread (should equal the running pipelines)',
      registers: [registry],
    }),
    setState(camera: string, state: CameraState) {
      for (const s of STATES) m.state.set({ camera, state: s }, s === state ? 1 : 0);
    },
    /** Drop a camera's gauges when it leaves this worker (counters stay monotonic). */
    forget(camera: string) {
      m.fps.remove({ camera });
      m.motionRatio.remove({ camera });
      for (const s of STATES) m.state.remove({ camera, state: s });
    },
  };
  return m;
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
