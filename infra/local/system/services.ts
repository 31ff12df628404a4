/** The Sentinel services the launcher starts, in start order, with their health endpoints. */
export type ServiceName = 'gateway' | 'ingest' | 'inference' | 'alerts' | 'annotator' | 'assistant';

export type ServiceSpec = {
  name: ServiceName;
  /** Env var holding the port its /readyz is served on, and its default. */
  portVar: string;
  defaultPort: number;
  /** Extra env for this service. */
  env?: Record<string, string>;
  readyTimeoutMs: number;
};

export const SERVICES: ServiceSpec[] = [
  { name: 'gateway', portVar: 'PORT', defaultPort: 8080, readyTimeoutMs: 60_000 },
  { name: 'alerts', portVar: 'ALERTS_OPS_PORT', defaultPort: 9103, readyTimeoutMs: 60_000 },
  { name: 'inference', portVar: 'INFERENCE_OPS_PORT', defaultPort: 9102, readyTimeoutMs: 120_000 },
  {
    name: 'ingest',
    portVar: 'INGEST_OPS_PORT',
    defaultPort: 9101,
    env: { UV_THREADPOOL_SIZE: '64' },
    readyTimeoutMs: 60_000,
  },
  { name: 'annotator', portVar: 'ANNOTATOR_OPS_PORT', defaultPort: 9104, readyTimeoutMs: 60_000 },
  { name: 'assistant', portVar: 'ASSISTANT_PORT', defaultPort: 9105, readyTimeoutMs: 60_000 },
];
