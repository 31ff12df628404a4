import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { redactUrl } from '../logger.ts';

export type { NatsConnection } from '@nats-io/transport-node';

/** Connect with unlimited reconnects and log every status change. */
export async function connectNats(url: string, name: string, logger: Logger): Promise<NatsConnection> {
  const u = new URL(url);
  const nc = await connect({
    servers: `${u.hostname}:${u.port || 4222}`,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    ...(u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : {}),
  });
  logger.info({ server: redactUrl(url) }, 'nats connected');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'error')
        logger.warn({ status: s.type }, 'nats connection problem');
      else if (s.type === 'reconnect') logger.info({ status: s.type }, 'nats reconnected');
    }
  })();
  return nc;
}

/** Readiness check: the connection is open and the server answers a flush. */
export async function checkNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) throw new Error('nats connection closed');
  await nc.flush();
}
