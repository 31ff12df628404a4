import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest random weight) hashing: the member preferred for a key. Every process computes
 * the same answer from the same member set, so workers agree on an owner without talking; when a member
 * leaves, only its keys move.
 */
export function rendezvousOwner(key: string, members: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const m of members) {
    const score = createHash('sha1').update(`${m}\u0000${key}`).digest().readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) {
      bestScore = score;
      best = m;
    }
  }
  return best;
}
