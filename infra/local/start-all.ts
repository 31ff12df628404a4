/**
 * `npm start`: the whole system on one machine — demo camera, every service, a seeded zone rule.
 * Ctrl+C (SIGINT) or SIGTERM stops everything cleanly.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readAdminPassword, startSystem } from './system/launch.ts';

const say = (line: string) => process.stderr.write(`\x1b[1;34m[sentinel]\x1b[0m ${line}\n`);

const system = await startSystem({ seed: true, progress: say }).catch((err: Error) => {
  say(`\x1b[31mstart failed:\x1b[0m ${err.message}`);
  process.exit(1);
});

const passwordHint = process.env.SENTINEL_ADMIN_PASSWORD
  ? 'the password in SENTINEL_ADMIN_PASSWORD'
  : (await readAdminPassword())
    ? 'the password in .data/admin-password (generated on first start)'
    : 'the password printed by the gateway on its first start';
say('');
say(`Sentinel is running.  Dashboard: ${system.gatewayUrl}/   Annotator: ${system.gatewayUrl}/annotator/`);
say(`Log in as 'admin' with ${passwordHint}.`);
say(
  `API docs: ${system.gatewayUrl}/api/docs   Demo camera: rtsp://127.0.0.1:${process.env.SENTINEL_RTSP_PORT ?? 8554}/demo`,
);
say('Logs: .data/logs/<service>.log.  Press Ctrl+C to stop.');

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping services...`);
  await system.stop();
  await promisify(execFile)('bash', [join(import.meta.dirname, 'demo-camera/demo-camera.sh'), 'stop']).catch(
    () => {},
  );
  say('stopped. (The NATS/PostgreSQL/Redis stack keeps running: npm run stack:down stops it.)');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
for (const [name, proc] of system.processes) {
  void proc.exited.then(() => {
    if (!stopping) say(`\x1b[31m${name} exited (code ${proc.exitCode}); see .data/logs/${name}.log\x1b[0m`);
  });
}
