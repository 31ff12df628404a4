/**
 * Operator feedback (`annotate.feedback`, stream HARD_EXAMPLES): an alert marked false positive
 * becomes a hard example. A durable consumer shared by all inference workers, explicit acks, bounded
 * redelivery; an invalid message goes to the dead-letter subject, nothing is lost.
 */
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstreamManager,
} from '@nats-io/jetstream';
import {
  annotationFeedbackSchema,
  deadLetter,
  decodeJson,
  type Logger,
  MessageValidationError,
  type NatsConnection,
  streamNames,
  subjects,
} from '@sentinel/common';
import type { HardExampleMiner } from '../mine/miner.ts';
import type { HardExamplePublisher } from '../mine/publisher.ts';
import type { InferenceMetrics } from './metrics.ts';

export type FeedbackConsumerOptions = { durable: string; maxDeliver: number };

export class FeedbackConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly miner: HardExampleMiner,
    private readonly examples: HardExamplePublisher,
    private readonly logger: Logger,
    private readonly metrics: InferenceMetrics | undefined,
    private readonly opts: FeedbackConsumerOptions = { durable: 'inference-feedback', maxDeliver: 5 },
  ) {}

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const existing = await jsm.consumers.info(streamNames.hardExamples, this.opts.durable).catch(() => null);
    if (!existing)
      await jsm.consumers.add(streamNames.hardExamples, {
        durable_name: this.opts.durable,
        filter_subject: subjects.annotateFeedback,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        max_deliver: this.opts.maxDeliver,
        ack_wait: 30_000_000_000,
      });
    const consumer = await this.js.consumers.get(streamNames.hardExamples, this.opts.durable);
    this.messages = await consumer.consume({ max_messages: 16 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) await this.handle(m);
    })().catch((err) => this.logger.error({ err: (err as Error).message }, 'feedback consumer stopped'));
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async handle(m: JsMsg): Promise<void> {
    let fb: ReturnType<typeof annotationFeedbackSchema.parse>;
    try {
      fb = decodeJson(annotationFeedbackSchema, 'annotation feedback', m.data);
    } catch (err) {
      const reason = err instanceof MessageValidationError ? err.message : String(err);
      this.logger.warn({ reason }, 'invalid feedback message sent to the dead-letter subject');
      await deadLetter(this.js, streamNames.hardExamples, m, reason).catch(() => m.term());
      return;
    }
    const job = this.miner.feedback(fb);
    if ('skipped' in job) {
      this.logger.info({ cameraId: fb.cameraId, alertId: fb.alertId, why: job.detail }, 'feedback not mined');
      this.metrics?.hardExampleFailures.inc({ why: `feedback_${job.skipped}` });
      m.ack();
      return;
    }
    try {
      const example = await this.examples.publish(job);
      this.metrics?.hardExamples.inc({ reason: example.reason });
      m.ack();
    } catch (err) {
      this.logger.warn(
        { alertId: fb.alertId, err: (err as Error).message },
        'feedback example failed; will retry',
      );
      this.metrics?.hardExampleFailures.inc({ why: 'feedback_error' });
      if ((m.info.deliveryCount ?? 1) >= this.opts.maxDeliver)
        await deadLetter(this.js, streamNames.hardExamples, m, (err as Error).message).catch(() => m.term());
      else m.nak(2000);
    }
  }
}
