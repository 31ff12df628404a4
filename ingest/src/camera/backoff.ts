/** Exponential backoff with +-20% jitter: initial * 2^(attempt-1), capped. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(50, Math.round(base * (0.8 + 0.4 * random())));
}
