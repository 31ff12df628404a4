/**
 * True for errors that go away by themselves (PostgreSQL or NATS unreachable, restarting, timing
 * out): the message is held and retried rather than counted toward max_deliver and dead-lettered.
 */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(08|53|57P)/.test(code)) return true; // connection exception, insufficient resources, admin shutdown
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      code,
    )
  )
    return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded|TIMEOUT|disconnect|CONNECTION_CLOSED|no responders|Client has encountered a connection error|the database system is (starting|shutting) up/i.test(
    msg,
  );
}

/**
 * Run `fn` until it succeeds, retrying transient failures with capped exponential backoff while
 * `keepGoing()`; `onWait` runs before each wait (e.g. msg.working() to keep the ack deadline).
 * Non-transient errors are thrown at once.
 */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  opts: { keepGoing: () => boolean; onWait?: (attempt: number, err: unknown) => void; maxDelayMs?: number },
): Promise<T> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || !opts.keepGoing()) throw err;
      opts.onWait?.(attempt, err);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 5000);
    }
  }
}
