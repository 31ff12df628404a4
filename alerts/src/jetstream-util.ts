import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';

const nanos = (ms: number) => ms * 1_000_000;

/** Create a durable pull consumer unless it exists (an existing one keeps its position). */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  cfg: {
    name: string;
    filterSubject: string;
    maxDeliver: number;
    maxAckPending: number;
    ackWaitMs: number;
    deliverNew?: boolean;
  },
): Promise<void> {
  const existing = await jsm.consumers.info(stream, cfg.name).catch(() => null);
  if (existing) return;
  const c: Partial<ConsumerConfig> = {
    durable_name: cfg.name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: cfg.filterSubject,
    max_deliver: cfg.maxDeliver,
    max_ack_pending: cfg.maxAckPending,
    ack_wait: nanos(cfg.ackWaitMs),
    deliver_policy: cfg.deliverNew ? DeliverPolicy.New : DeliverPolicy.All,
  };
  await jsm.consumers.add(stream, c);
}

/** Redelivery backoff: 250 ms, 500 ms, 1 s ... capped at 10 s. */
export const retryDelayMs = (deliveryCount: number) =>
  Math.min(250 * 2 ** Math.max(0, deliveryCount - 1), 10_000);

export const deliveryCount = (m: JsMsg) => m.info.deliveryCount;
