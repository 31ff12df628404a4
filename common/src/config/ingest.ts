import { port } from './env-types.ts';

/** Environment variables read by the ingest service (documented in .env.example). */
export const ingestEnv = {
  INGEST_OPS_PORT: port(9101),
};
