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
export declare const SERVICES: ServiceSpec[];
