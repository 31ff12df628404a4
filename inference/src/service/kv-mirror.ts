/**
 * A live, validated in-memory copy of a KV bucket. Invalid values are reported and leave the previous
 * value in place (a bad edit never takes a camera or model away).
 */
import { type KV, Kvm } from '@nats-io/kv';
import type { Logger, NatsConnection } from '@sentinel/common';

export type KvChange<T> = { key: string; value: T | undefined; previous: T | undefined };

export class KvMirror<T> {
  private readonly values = new Map<string, T>();
  private stopWatch: (() => void) | undefined;
  private kv: KV | undefined;

  constructor(
    private readonly bucket: string,
    private readonly parse: (key: string, raw: unknown) => T,
    private readonly logger: Logger,
    private readonly onChange?: (change: KvChange<T>) => void,
  ) {}

  /** Open the bucket and wait until its current values are loaded. */
  async start(nc: NatsConnection): Promise<void> {
    const kv = await new Kvm(nc).open(this.bucket);
    this.kv = kv;
    const iter = await kv.watch();
    this.stopWatch = () => iter.stop();
    await new Promise<void>((resolve) => {
      // An empty bucket sends nothing: give up waiting for initial values after a short while.
      const t = setTimeout(resolve, 300);
      void (async () => {
        for await (const e of iter) {
          this.apply(e.key, e.operation === 'PUT' ? e.value : undefined);
          if (e.delta === 0 || e.isUpdate) {
            clearTimeout(t);
            resolve();
          }
        }
      })();
    });
  }

  stop(): void {
    this.stopWatch?.();
  }

  get(key: string): T | undefined {
    return this.values.get(key);
  }

  entries(): IterableIterator<[string, T]> {
    return this.values.entries();
  }

  /** Read a key straight from the server (for a key the watcher has not delivered yet). */
  async fetch(key: string): Promise<T | undefined> {
    if (!this.kv) return undefined;
    const e = await this.kv.get(key);
    if (e?.operation !== 'PUT' || e.length === 0) return undefined;
    this.apply(key, e.value);
    return this.values.get(key);
  }

  private apply(key: string, data: Uint8Array | undefined): void {
    const previous = this.values.get(key);
    if (!data || data.length === 0) {
      if (previous === undefined) return;
      this.values.delete(key);
      this.onChange?.({ key, value: undefined, previous });
      return;
    }
    let value: T;
    try {
      value = this.parse(key, JSON.parse(new TextDecoder().decode(data)));
    } catch (err) {
      this.logger.warn(
        { bucket: this.bucket, key, err: (err as Error).message },
        'invalid KV value ignored; keeping the previous one',
      );
      return;
    }
    this.values.set(key, value);
    this.onChange?.({ key, value, previous });
  }
}
