import { port } from './env-types.ts';

/** Environment variables read by the gateway (documented in .env.example). */
export const gatewayEnv = {
  PORT: port(8080),
};
