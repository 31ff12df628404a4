/**
 * Which env variable holds each service's HTTP port (its /healthz, /readyz and /metrics) and its
 * default (the same defaults as common/src/config/*.ts; infra/test/deploy.test.ts checks they agree).
 * Plain TypeScript with erasable syntax only, so the image runs it with `node` alone (no tsx).
 */
export const servicePorts = {
  ingest: { env: 'INGEST_OPS_PORT', port: 9101 },
  inference: { env: 'INFERENCE_OPS_PORT', port: 9102 },
  alerts: { env: 'ALERTS_OPS_PORT', port: 9103 },
  annotator: { env: 'ANNOTATOR_OPS_PORT', port: 9104 },
  assistant: { env: 'ASSISTANT_PORT', port: 9105 },
  gateway: { env: 'PORT', port: 8080 },
} as const;

export type ServiceName = keyof typeof servicePorts;

export const serviceNames = Object.keys(servicePorts) as ServiceName[];

export function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(servicePorts, name);
}

/** The port a service listens on, given its environment. */
export function servicePort(service: ServiceName, env: Record<string, string | undefined>): number {
  const { env: key, port } = servicePorts[service];
  const raw = env[key];
  return raw ? Number(raw) : port;
}
