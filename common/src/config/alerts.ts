import { port } from './env-types.ts';

/** Environment variables read by the alerts service (documented in .env.example). */
export const alertsEnv = {
  ALERTS_OPS_PORT: port(9103),
};
