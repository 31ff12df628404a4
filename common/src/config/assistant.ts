import { port } from './env-types.ts';

/** Environment variables read by the assistant service (documented in .env.example). */
export const assistantEnv = {
  ASSISTANT_OPS_PORT: port(9105),
};
