/**
 * Container health check: `node /app/infra/docker/healthcheck.ts [/healthz|/readyz]`.
 * Asks the service named by $SERVICE on 127.0.0.1 at its port (its env variable or default) and
 * exits 0 on HTTP 200, 1 otherwise (with the reason on stderr). Used by the image's HEALTHCHECK,
 * compose health checks and the Kubernetes exec probes of services whose ops server binds loopback.
 */
import { isServiceName, servicePort } from './service-ports.ts';

const path = process.argv[2] ?? '/healthz';
const service = process.env.SERVICE ?? '';

async function main(): Promise<number> {
  if (path !== '/healthz' && path !== '/readyz') {
    process.stderr.write(`healthcheck: path must be /healthz or /readyz, got ${path}\n`);
    return 1;
  }
  if (!isServiceName(service)) {
    process.stderr.write(`healthcheck: SERVICE must name a Sentinel service, got '${service}'\n`);
    return 1;
  }
  const url = `http://127.0.0.1:${servicePort(service, process.env)}${path}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    if (res.status === 200) return 0;
    process.stderr.write(`healthcheck: ${url} answered ${res.status}: ${(await res.text()).slice(0, 500)}\n`);
  } catch (err) {
    process.stderr.write(`healthcheck: ${url} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return 1;
}

process.exitCode = await main();
