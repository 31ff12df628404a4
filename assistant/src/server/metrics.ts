import { latencyBucketsMs, prom } from '@sentinel/common';
import type { Registry } from 'prom-client';

export function createServerMetrics(registry: Registry) {
  return {
    queries: new prom.Counter({
      name: 'assistant_queries_total',
      help: 'Questions answered, by route (query, voice), mode (agent, planner) and result',
      labelNames: ['route', 'mode', 'result'] as const,
      registers: [registry],
    }),
    duration: new prom.Histogram({
      name: 'assistant_query_duration_ms',
      help: 'Time to answer a question in milliseconds, by route',
      labelNames: ['route'] as const,
      buckets: latencyBucketsMs,
      registers: [registry],
    }),
  };
}
