import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import {
  type AlertEvent,
  alertEventSchema,
  deadLetter,
  decodeJson,
  type Logger,
  MessageValidationError,
  type NatsConnection,
  streamNames,
  subjects,
} from '@sentinel/common';
import type { Catalog } from '../data/catalog.ts';
import { alertDocId } from '../events/event-doc.ts';
import { renderAlertDoc } from '../events/render.ts';
import type { EventIndex } from './event-index.ts';
import type { IndexerMetrics } from './metrics.ts';

const MAX_DELIVER = 10;

/** Index one alert lifecycle event (merging with the alert's existing document). */
export async function indexAlertEvent(
  index: EventIndex,
  catalog: Catalog,
  e: AlertEvent,
  timeZone: string,
): Promise<void> {
  const [previous, cameraName, zone] = await Promise.all([
    index.get(alertDocId(e.alertId)),
    catalog.cameraName(e.cameraId),
    e.zoneId ? catalog.zone(e.zoneId) : Promise.resolve(undefined),
  ]);
  const zoneRef = e.zoneId ? { id: e.zoneId, name: zone?.name ?? e.zoneId } : undefined;
  const doc = renderAlertDoc(e, {
    cameraName,
    timeZone,
    ...(zoneRef ? { zone: zoneRef } : {}),
    ...(previous ? { previous } : {}),
  });
  await index.upsert([doc]);
}

/**
 * Durable JetStream consumer of ALERTS (`alerts.>`, from the start of the stream) that keeps one
 * document per alert up to date. Malformed messages are terminated (they stay in the stream);
 * failures are retried with a growing delay and dead-lettered to dlq.ALERTS after MAX_DELIVER tries.
 */
export class AlertIndexer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private handled = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly index: EventIndex,
    private readonly catalog: Catalog,
    private readonly opts: {
      durable: string;
      timeZone: string;
      logger: Logger;
      metrics?: IndexerMetrics;
      /** Subject filter (default every alert, `alerts.>`); tests narrow it to their own camera. */
      filterSubject?: string;
    },
  ) {}

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.consumers.add(streamNames.alerts, {
      durable_name: this.opts.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.opts.filterSubject ?? subjects.alertsAll,
      max_deliver: MAX_DELIVER,
      ack_wait: 30_000_000_000,
    });
    const consumer: Consumer = await jetstream(this.nc).consumers.get(streamNames.alerts, this.opts.durable);
    this.messages = await consumer.consume({ max_messages: 32 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) {
        await this.handle(m);
        // Progress while catching up on the stream's history.
        if (++this.handled % 500 === 0)
          this.opts.logger.info({ handled: this.handled, pending: m.info.pending }, 'indexing alerts');
      }
    })().catch((err) => this.opts.logger.error({ err }, 'alert indexer loop stopped'));
    this.opts.logger.info({ durable: this.opts.durable }, 'alert indexer consuming');
  }

  private async handle(m: JsMsg): Promise<void> {
    let event: AlertEvent;
    try {
      event = decodeJson(alertEventSchema, 'alert', m.data);
    } catch (err) {
      const reason = err instanceof MessageValidationError ? err.message : String(err);
      this.opts.logger.warn({ subject: m.subject, seq: m.seq, reason }, 'skipping malformed alert message');
      this.opts.metrics?.indexed.inc({ source: 'alert', result: 'invalid' });
      m.term(reason.slice(0, 200));
      return;
    }
    try {
      await indexAlertEvent(this.index, this.catalog, event, this.opts.timeZone);
      m.ack();
      this.opts.metrics?.indexed.inc({ source: 'alert', result: 'ok' });
    } catch (err) {
      this.opts.metrics?.indexed.inc({ source: 'alert', result: 'error' });
      if (m.info.deliveryCount >= MAX_DELIVER) {
        this.opts.logger.error(
          { err, alertId: event.alertId },
          'alert indexing failed for good; dead-lettering',
        );
        await deadLetter(
          jetstream(this.nc),
          streamNames.alerts,
          m,
          `assistant indexer: ${String(err)}`,
        ).catch((e) => this.opts.logger.error({ err: e }, 'dead-letter publish failed'));
      } else {
        this.opts.logger.warn(
          { err, alertId: event.alertId, attempt: m.info.deliveryCount },
          'alert indexing failed; will retry',
        );
        m.nak(Math.min(30_000, 1000 * 2 ** m.info.deliveryCount));
      }
    }
  }

  /** Stop consuming (the durable consumer stays, so indexing resumes where it stopped). */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  /** Remove the durable consumer (tests). */
  async deleteConsumer(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.consumers.delete(streamNames.alerts, this.opts.durable).catch(() => {});
  }
}
