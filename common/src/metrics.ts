import client from 'prom-client';

export { client as prom };

/** A registry with default process metrics labelled with the service name. */
export function createMetricsRegistry(service: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency buckets in milliseconds, from 1 ms to 10 s. */
export const latencyBucketsMs = [
  1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000,
];
