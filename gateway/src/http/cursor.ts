import { HttpError } from './errors.ts';

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(value: unknown[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === arity) return v;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'validation_failed', 'invalid cursor', [
    { path: 'query.cursor', message: 'not a cursor returned by this API' },
  ]);
}

/** Given limit+1 fetched rows, the page and the next cursor. */
export function page<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => unknown[],
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: more && last ? encodeCursor(key(last)) : null };
}

export const ms = (d: Date | string | null | undefined): number | null =>
  d == null ? null : new Date(d).getTime();
