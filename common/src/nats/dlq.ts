import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { DLQ_REASON_HEADER, DLQ_SOURCE_HEADER, subjects } from './subjects.ts';

/**
 * Move a poison message to `dlq.<stream>` with its reason and original subject, then terminate it
 * so it is never redelivered. The payload is kept byte for byte so nothing is lost.
 */
export async function deadLetter(
  js: JetStreamClient,
  stream: string,
  msg: JsMsg,
  reason: string,
): Promise<void> {
  const h = natsHeaders();
  h.set(DLQ_REASON_HEADER, reason.slice(0, 2000));
  h.set(DLQ_SOURCE_HEADER, msg.subject);
  await js.publish(subjects.dlq(stream), msg.data, { headers: h });
  // No reason on the TERM: NATS 2.9 does not parse '+TERM <reason>' and would leave the message
  // pending until ack_wait (then redeliver it). The reason travels in the DLQ header instead.
  msg.term();
}
