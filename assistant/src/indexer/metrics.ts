import { prom } from '@sentinel/common';
import type { Registry } from 'prom-client';

export type IndexerMetrics = ReturnType<typeof createIndexerMetrics>;

export function createIndexerMetrics(registry: Registry) {
  return {
    indexed: new prom.Counter({
      name: 'assistant_indexed_events_total',
      help: 'Event documents indexed, by source (alert, track) and result (ok, invalid, error)',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
    }),
  };
}
