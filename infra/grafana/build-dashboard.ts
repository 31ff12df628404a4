/**
 * Generates infra/grafana/dashboards/sentinel-overview.json (the provisioned Grafana dashboard):
 *   node infra/grafana/build-dashboard.ts && npx biome format --write infra/grafana/dashboards
 * Edit the panels here, not the JSON; infra/test/deploy.test.ts checks the JSON is up to date and that
 * every metric it queries is registered by a service.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

type Target = { expr: string; legendFormat: string };
type Panel = Record<string, unknown>;

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
const DS = { type: 'prometheus', uid: '${datasource}' };
const RI = '$__rate_interval';

let nextId = 1;
let y = 0;
const panels: Panel[] = [];

const row = (title: string) => {
  panels.push({ type: 'row', id: nextId++, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y } });
  y += 1;
};

/** Adds panels left to right, 8 units high, wrapping at 24 columns. */
let x = 0;
const place = (w: number) => {
  if (x + w > 24) {
    x = 0;
    y += 8;
  }
  const pos = { h: 8, w, x, y };
  x += w;
  return pos;
};
const endRow = () => {
  if (x > 0) y += 8;
  x = 0;
};

const timeseries = (title: string, unit: string, targets: Target[], description = '', w = 8) => {
  panels.push({
    type: 'timeseries',
    id: nextId++,
    title,
    description,
    datasource: DS,
    gridPos: place(w),
    fieldConfig: { defaults: { unit, custom: { lineWidth: 1, fillOpacity: 10 } }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] } },
    targets: targets.map((t, i) => ({ ...t, datasource: DS, refId: String.fromCharCode(65 + i) })),
  });
};

const stat = (title: string, unit: string, target: Target, description = '', w = 6) => {
  panels.push({
    type: 'stat',
    id: nextId++,
    title,
    description,
    datasource: DS,
    gridPos: place(w),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' },
    targets: [{ ...target, datasource: DS, refId: 'A' }],
  });
};

/** p50/p95/p99 of a histogram (buckets summed over every replica). */
const percentiles = (metric: string, filter = ''): Target[] =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket${filter}[${RI}])))`,
    legendFormat: `p${Math.round(q * 100)}`,
  }));

const cam = '{camera=~"$camera"}';

row('Pipeline latency (from the trace stamps)');
timeseries(
  'Capture → alert published',
  'ms',
  percentiles('sentinel_alerts_capture_to_alert_ms'),
  'Frame capturedAt (stamped at the appsink) to the alert persisted and published. Target p99 ≤ 500 ms.',
);
timeseries(
  'Capture → detections published',
  'ms',
  percentiles('inference_frame_age_ms'),
  'Frame capturedAt to the detection batch published on JetStream.',
);
timeseries(
  'Wait in the batcher',
  'ms',
  percentiles('inference_queue_age_ms'),
  'Time a frame waited for a fuller batch (bounded by INFERENCE_MAX_BATCH_DELAY_MS).',
);
timeseries(
  'Inference stage p95',
  'ms',
  [
    {
      expr: `histogram_quantile(0.95, sum by (le, stage) (rate(inference_stage_ms_bucket[${RI}])))`,
      legendFormat: '{{stage}}',
    },
  ],
  'Per pipeline stage: regions, prep, run, decode, post.',
);
timeseries(
  'Batch latency p95 by batch size',
  'ms',
  [
    {
      expr: `histogram_quantile(0.95, sum by (le, batch_size) (rate(inference_batch_latency_ms_bucket[${RI}])))`,
      legendFormat: 'batch {{batch_size}}',
    },
  ],
  'One batch in the session worker (tensor prep + run + decode).',
);
timeseries(
  'Rule evaluation p99',
  'ms',
  [
    {
      expr: `histogram_quantile(0.99, sum by (le) (rate(sentinel_alerts_rule_eval_ms_bucket[${RI}])))`,
      legendFormat: 'p99',
    },
  ],
  'All rules of a camera against one detection batch.',
);
endRow();

row('Throughput');
timeseries(
  'Detection fps per camera',
  'fps',
  [{ expr: `sum by (camera) (inference_camera_fps${cam})`, legendFormat: '{{camera}}' }],
  'Frames detected per second per camera (last 10 s), over every inference replica.',
);
timeseries(
  'Decode fps per camera',
  'fps',
  [{ expr: `sum by (camera) (ingest_decode_fps${cam})`, legendFormat: '{{camera}}' }],
  'Frames the decoder produced per second.',
);
timeseries(
  'Frames published by kind',
  'fps',
  [
    {
      expr: `sum by (kind) (rate(ingest_frames_published_total${cam}[${RI}]))`,
      legendFormat: '{{kind}}',
    },
  ],
  'motion / track / keepalive / ungated.',
);
timeseries(
  'Batch fill',
  'percentunit',
  [
    {
      expr: `sum(rate(inference_batch_fill_ratio_sum[${RI}])) / sum(rate(inference_batch_fill_ratio_count[${RI}]))`,
      legendFormat: 'mean fill',
    },
    {
      expr: `histogram_quantile(0.5, sum by (le) (rate(inference_batch_fill_ratio_bucket[${RI}])))`,
      legendFormat: 'median fill',
    },
  ],
  'Frames per batch / INFERENCE_MAX_BATCH. Low fill with high load: raise the batch delay.',
);
timeseries(
  'Frames dropped',
  'fps',
  [
    {
      expr: `sum by (reason) (rate(inference_frames_dropped_total[${RI}]))`,
      legendFormat: 'inference {{reason}}',
    },
    {
      expr: `sum by (reason) (rate(ingest_frames_dropped_total{reason!~"rate|no_motion"}[${RI}]))`,
      legendFormat: 'ingest {{reason}}',
    },
  ],
  'Frames not detected (stale = older than INFERENCE_MAX_FRAME_AGE_MS: inference is behind; add workers).',
);
timeseries('Detections per second by label', 'short', [
  { expr: `sum by (label) (rate(inference_detections_total[${RI}]))`, legendFormat: '{{label}}' },
]);
timeseries('History writer', 'short', [
  { expr: `sum(rate(sentinel_alerts_writer_rows_total[${RI}]))`, legendFormat: 'rows/s' },
  { expr: 'sum(sentinel_alerts_writer_lag_messages)', legendFormat: 'lag (messages)' },
  { expr: 'sum(sentinel_alerts_writer_buffered_messages)', legendFormat: 'buffered (PostgreSQL down)' },
]);
timeseries('Socket.io events relayed', 'short', [
  { expr: `sum by (event) (rate(gateway_socket_events_total[${RI}]))`, legendFormat: '{{event}}' },
  {
    expr: `sum by (reason) (rate(gateway_socket_dropped_total[${RI}]))`,
    legendFormat: 'dropped {{reason}}',
  },
]);
endRow();

row('Alerts and notifications');
timeseries(
  'Alerts opened per rule',
  'short',
  [
    {
      expr: `sum by (rule) (increase(sentinel_alerts_total{event="opened"}[1h]))`,
      legendFormat: '{{rule}}',
    },
  ],
  'Alerts opened in the last hour, per rule id.',
);
timeseries(
  'Suppressed firings',
  'short',
  [
    {
      expr: `sum by (reason) (increase(sentinel_alerts_suppressed_total[1h]))`,
      legendFormat: '{{reason}}',
    },
  ],
  'Cooldowns, schedules and other suppressions, last hour.',
);
timeseries('Notifications by outcome', 'short', [
  {
    expr: `sum by (channel, status) (increase(sentinel_alerts_notifications_total[15m]))`,
    legendFormat: '{{channel}} {{status}}',
  },
]);
timeseries(
  'Notification failures',
  'short',
  [
    {
      expr: `sum by (channel, status) (increase(sentinel_alerts_notifications_total{status=~"failed|dead"}[15m]))`,
      legendFormat: '{{channel}} {{status}}',
    },
  ],
  'failed = retried, dead = gave up after ALERTS_NOTIFY_MAX_ATTEMPTS.',
);
timeseries(
  'Notification latency',
  'ms',
  percentiles('sentinel_alerts_notification_ms'),
  'One delivery attempt (Web Push or webhook).',
);
timeseries('Dead-lettered messages', 'short', [
  { expr: `sum by (consumer) (increase(sentinel_alerts_dlq_total[1h]))`, legendFormat: '{{consumer}}' },
]);
endRow();

row('Errors and health');
stat('Targets down', 'short', { expr: 'count(up == 0) or vector(0)', legendFormat: 'down' });
stat('Cameras streaming', 'short', {
  expr: 'sum(ingest_camera_state{state="streaming"})',
  legendFormat: 'streaming',
});
stat('Cameras offline or in error', 'short', {
  expr: 'sum(ingest_camera_state{state=~"offline|error"}) or vector(0)',
  legendFormat: 'offline',
});
stat('Models loaded', 'short', { expr: 'sum(inference_model_loaded)', legendFormat: 'models' });
timeseries(
  'Errors',
  'short',
  [
    {
      expr: `sum by (kind) (increase(inference_model_errors_total[15m]))`,
      legendFormat: 'model {{kind}}',
    },
    { expr: 'sum(increase(inference_publish_failures_total[15m]))', legendFormat: 'detection publish' },
    { expr: 'sum(increase(sentinel_alerts_writer_errors_total[15m]))', legendFormat: 'writer (PostgreSQL)' },
    {
      expr: `sum by (reason) (increase(ingest_reconnects_total[15m]))`,
      legendFormat: 'camera reconnect {{reason}}',
    },
    {
      expr: `sum by (why) (increase(inference_hard_example_failures_total[15m]))`,
      legendFormat: 'hard example {{why}}',
    },
  ],
  'Counts over 15 minutes.',
);
timeseries('Gateway HTTP 5xx and latency', 'short', [
  {
    expr: `sum(rate(gateway_http_requests_total{status=~"5.."}[${RI}]))`,
    legendFormat: '5xx/s',
  },
  {
    expr: `histogram_quantile(0.95, sum by (le) (rate(gateway_http_request_duration_ms_bucket[${RI}])))`,
    legendFormat: 'p95 ms',
  },
]);
timeseries(
  'Event-loop lag p99 by service',
  's',
  [{ expr: 'max by (job) (nodejs_eventloop_lag_p99_seconds)', legendFormat: '{{job}}' }],
  'A service whose event loop lags is CPU-starved: give it more CPU or replicas.',
);
timeseries('Assistant queries', 'short', [
  {
    expr: `sum by (result) (rate(assistant_queries_total[${RI}]))`,
    legendFormat: '{{result}}',
  },
  {
    expr: `sum by (result) (rate(assistant_indexed_events_total[${RI}]))`,
    legendFormat: 'indexed {{result}}',
  },
  {
    expr: `sum by (result) (rate(annotator_intake_messages_total[${RI}]))`,
    legendFormat: 'annotator intake {{result}}',
  },
]);
endRow();

export const dashboard = {
  uid: 'sentinel-overview',
  title: 'Sentinel overview',
  tags: ['sentinel'],
  timezone: 'browser',
  schemaVersion: 39,
  version: 1,
  editable: true,
  refresh: '30s',
  time: { from: 'now-1h', to: 'now' },
  templating: {
    list: [
      {
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        current: { text: 'Prometheus', value: 'prometheus' },
      },
      {
        name: 'camera',
        label: 'Camera',
        type: 'query',
        datasource: DS,
        query: { query: 'label_values(ingest_decode_fps, camera)', refId: 'camera' },
        definition: 'label_values(ingest_decode_fps, camera)',
        includeAll: true,
        multi: true,
        allValue: '.*',
        current: { text: 'All', value: '$__all' },
        refresh: 2,
      },
    ],
  },
  panels,
};

export const dashboardPath = resolve(import.meta.dirname, 'dashboards/sentinel-overview.json');
export const dashboardJson = `${JSON.stringify(dashboard, null, 2)}\n`;

if (import.meta.main) {
  writeFileSync(dashboardPath, dashboardJson);
  process.stdout.write(`wrote ${dashboardPath} (${panels.length} panels)\n`);
}
