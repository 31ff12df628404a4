import { port } from './env-types.ts';

/** Environment variables read by the inference service (documented in .env.example). */
export const inferenceEnv = {
  INFERENCE_OPS_PORT: port(9102),
};
