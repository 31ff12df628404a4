import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  deadLetter,
  decodeJson,
  hardExampleSchema,
  MessageValidationError,
  objectStores,
  prom,
  streamNames,
  subjects,
} from '@sentinel/common';
import type { Registry } from 'prom-client';
import { type IntakeDeps, intakeHardExample } from './intake.ts';

export type IntakeConsumerOptions = IntakeDeps & {
  nc: NatsConnection;
  durable: string;
  registry?: Registry;
  /** Deliveries of a message whose image is missing before it goes to the dead-letter stream. */
  maxImageWaits?: number;
  /** Subject filter; default annotate.candidates.> (tests narrow it to their own camera). */
  filterSubject?: string;
  /** 'all' for the service (catch up after downtime); tests use 'new'. */
  deliverPolicy?: 'all' | 'new';
};

const MAX_DELIVER = 10;

/**
 * Durable pull consumer on annotate.candidates.> (stream HARD_EXAMPLES). Explicit ack after the row is
 * committed; bad messages and frames that never appear in the object store go to dlq.HARD_EXAMPLES with
 * the reason; database trouble naks with a delay so nothing is lost.
 */
export class IntakeConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly counter: prom.Counter<'result'>;

  constructor(private readonly opts: IntakeConsumerOptions) {
    this.counter = new prom.Counter({
      name: 'annotator_intake_messages_total',
      help: 'Hard-example candidates processed by the intake, by result',
      labelNames: ['result'],
      registers: opts.registry ? [opts.registry] : [],
    });
  }

  async start(): Promise<void> {
    const { nc, durable } = this.opts;
    const jsm = await jetstreamManager(nc);
    const cfg = {
      durable_name: durable,
      filter_subject: this.opts.filterSubject ?? subjects.annotateCandidatesAll,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: this.opts.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      ack_wait: 30_000_000_000,
      max_deliver: MAX_DELIVER,
      max_ack_pending: 64,
    };
    const existing = await jsm.consumers.info(streamNames.hardExamples, durable).catch(() => null);
    if (!existing) await jsm.consumers.add(streamNames.hardExamples, cfg);
    const consumer = await jetstream(nc).consumers.get(streamNames.hardExamples, durable);
    this.messages = await consumer.consume({ max_messages: 16 });
    this.loop = (async () => {
      for await (const m of this.messages!) await this.handle(m);
    })();
    this.opts.logger.info({ durable, subject: subjects.annotateCandidatesAll }, 'intake consumer started');
  }

  private async handle(m: JsMsg): Promise<void> {
    const { logger } = this.opts;
    const js = jetstream(this.opts.nc);
    let example: ReturnType<typeof hardExampleSchema.parse>;
    try {
      example = decodeJson(hardExampleSchema, 'hard-example', m.data);
    } catch (err) {
      const reason = err instanceof MessageValidationError ? err.message : String(err);
      logger.warn({ subject: m.subject, reason }, 'invalid hard example, dead-lettered');
      this.counter.inc({ result: 'invalid' });
      await deadLetter(js, streamNames.hardExamples, m, reason).catch((e) => {
        logger.error({ err: e }, 'dead-letter failed');
        m.nak(5_000);
      });
      return;
    }
    try {
      const store = await new Objm(this.opts.nc).open(objectStores.snapshots);
      const jpeg = await store.getBlob(example.imageKey);
      if (!jpeg) {
        const max = this.opts.maxImageWaits ?? 3;
        if (m.info.deliveryCount >= max) {
          logger.warn(
            { exampleId: example.exampleId, imageKey: example.imageKey },
            'frame missing, dead-lettered',
          );
          this.counter.inc({ result: 'missing_image' });
          await deadLetter(
            js,
            streamNames.hardExamples,
            m,
            `image ${example.imageKey} not found in object store`,
          );
        } else m.nak(1_000);
        return;
      }
      const result = await intakeHardExample(this.opts, example, jpeg);
      this.counter.inc({ result: result.status });
      logger.info({ exampleId: example.exampleId, ...result }, 'hard example intake');
      m.ack();
    } catch (err) {
      this.counter.inc({ result: 'error' });
      logger.error({ err, exampleId: example.exampleId }, 'intake failed, will retry');
      if (m.info.deliveryCount >= MAX_DELIVER - 1)
        await deadLetter(js, streamNames.hardExamples, m, `intake failed: ${(err as Error).message}`).catch(
          () => m.nak(5_000),
        );
      else m.nak(2_000);
    }
  }

  async stop(): Promise<void> {
    await this.messages?.close().catch(() => {});
    await this.loop?.catch(() => {});
  }

  /** Remove the durable consumer (tests only: production keeps it across restarts). */
  async deleteConsumer(): Promise<void> {
    const jsm = await jetstreamManager(this.opts.nc);
    await jsm.consumers.delete(streamNames.hardExamples, this.opts.durable).catch(() => {});
  }
}
