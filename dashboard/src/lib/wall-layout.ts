/** Camera wall layouts: 1, 4, 9 or 16 tiles per page, in a square grid. */
export const LAYOUTS = [1, 4, 9, 16] as const;
export type Layout = (typeof LAYOUTS)[number];

export const columnsFor = (layout: Layout): number => Math.sqrt(layout);

/** Number of pages and the cameras on page `page` (clamped into range). */
export function pageOf<T>(
  items: readonly T[],
  layout: Layout,
  page: number,
): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / layout));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(p * layout, p * layout + layout), page: p, pages };
}

/** Smallest layout that shows all `count` cameras on one page (16 at most). */
export function fitLayout(count: number): Layout {
  return LAYOUTS.find((l) => l >= count) ?? 16;
}

export type TileState = { tone: 'ok' | 'warn' | 'bad' | 'idle'; label: string; detail?: string };

const REASONS: Record<string, string> = {
  invalid_url: 'invalid URL',
  unreachable: 'camera unreachable',
  unauthorized: 'wrong credentials',
  not_found: 'stream not found',
  unsupported_codec: 'unsupported codec',
  stream_ended: 'stream ended',
  no_frames: 'no frames',
  corrupt_stream: 'corrupt stream',
  internal: 'internal error',
};

/**
 * The badge of a tile from the ingest status (KV camera-status) and the player's own state: ingest says
 * whether the camera works, the player whether the live view reaches this browser.
 */
export function tileState(
  status: { state: string; reason?: string; detail?: string } | null | undefined,
  player: 'connecting' | 'playing' | 'stalled' | 'error' | 'idle',
  enabled = true,
): TileState {
  if (!enabled) return { tone: 'idle', label: 'disabled' };
  const reason = status?.reason ? (REASONS[status.reason] ?? status.reason) : undefined;
  switch (status?.state) {
    case 'offline':
    case 'error':
      return { tone: 'bad', label: reason ? `offline · ${reason}` : 'offline', detail: status.detail };
    case 'reconnecting':
      return { tone: 'warn', label: 'reconnecting', detail: reason ?? status.detail };
    case 'starting':
      return { tone: 'warn', label: 'starting' };
    case 'removed':
      return { tone: 'bad', label: 'removed' };
  }
  if (player === 'error') return { tone: 'bad', label: 'live view unavailable' };
  if (player === 'stalled') return { tone: 'warn', label: 'video stalled' };
  if (status?.state === 'streaming')
    return { tone: 'ok', label: player === 'playing' ? 'streaming' : 'streaming · connecting' };
  if (player === 'playing') return { tone: 'ok', label: 'live' };
  return { tone: 'idle', label: status ? status.state : 'no status' };
}
