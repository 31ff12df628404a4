import { port } from './env-types.ts';

/** Environment variables read by the annotator service (documented in .env.example). */
export const annotatorEnv = {
  ANNOTATOR_OPS_PORT: port(9104),
};
