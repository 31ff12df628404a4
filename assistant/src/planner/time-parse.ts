import * as chrono from 'chrono-node';
import { zonedParts, zonedTimeToMs, zoneOffsetMinutes } from '../events/format-time.ts';

export type TimeRange = {
  fromMs: number;
  toMs: number;
  /** The words of the question the range came from, e.g. 'yesterday'. */
  phrase: string;
  /** The range lies entirely after `now`. */
  future: boolean;
};

/** chrono's runtime components (ParsingComponents) are mutable; its public type hides that. */
type Components = chrono.ParsedComponents & {
  clone(): Components;
  imply(c: chrono.Component, v: number): Components;
  assign(c: chrono.Component, v: number): Components;
};
const comps = (c: chrono.ParsedComponents) => (c as Components).clone();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  min: 60_000,
  hour: HOUR,
  hr: HOUR,
  day: DAY,
  week: 7 * DAY,
};
const WORD_NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  'forty-eight': 48,
  'twenty-four': 24,
};
const DAYPARTS: Record<string, [number, number]> = {
  morning: [6, 12],
  afternoon: [12, 18],
  evening: [18, 24],
  tonight: [18, 24],
  night: [18, 30],
};

const ROLLING =
  /\b(?:in\s+|during\s+|over\s+|within\s+)?(?:the\s+)?(?:last|past|previous)\s+(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|twenty-four|forty-eight)?\s*(minute|min|hour|hr|day|week)s?\b/i;

function dayStart(ms: number, tz: string): number {
  const p = zonedParts(ms, tz);
  return zonedTimeToMs(tz, p.year, p.month, p.day);
}

function build(fromMs: number, toMs: number, phrase: string, nowMs: number): TimeRange {
  return { fromMs, toMs, phrase: phrase.trim(), future: fromMs > nowMs };
}

/** Range of one chrono component set, widened to its precision (minute, hour, day-part, day, month). */
function rangeOf(c: chrono.ParsedComponents, text: string, tz: string): [number, number] {
  const y = c.get('year')!;
  const mo = c.get('month')!;
  const d = c.get('day')!;
  const part = /\b(morning|afternoon|evening|tonight|night)\b/i.exec(text)?.[1]?.toLowerCase();
  if (c.isCertain('hour')) {
    const t = zonedTimeToMs(tz, y, mo, d, c.get('hour')!, c.get('minute') ?? 0, c.get('second') ?? 0);
    const minutePrecise = c.isCertain('minute') && /\d{1,2}[:.h]\d{2}/.test(text);
    return [t, t + (minutePrecise ? 60_000 : HOUR)];
  }
  if (part) {
    const [h0, h1] = DAYPARTS[part]!;
    const start = zonedTimeToMs(tz, y, mo, d);
    return [start + h0 * HOUR, start + h1 * HOUR];
  }
  if (!c.isCertain('day') && !c.isCertain('weekday') && c.isCertain('month')) {
    const start = zonedTimeToMs(tz, y, mo, 1);
    return [start, mo === 12 ? zonedTimeToMs(tz, y + 1, 1, 1) : zonedTimeToMs(tz, y, mo + 1, 1)];
  }
  const start = zonedTimeToMs(tz, y, mo, d);
  return [start, zonedTimeToMs(tz, ...nextDay(y, mo, d))];
}

function nextDay(y: number, mo: number, d: number): [number, number, number] {
  const n = new Date(Date.UTC(y, mo - 1, d + 1));
  return [n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate()];
}

/**
 * Read the time range a question asks about, in the operator's time zone: rolling windows ("in the
 * last 2 hours", "past week"), days ("yesterday", "on Nov 19", "on Monday" = the latest past Monday),
 * day parts ("this morning", "last night"), clock times ("at 22:14" = that minute, "at 10pm" = that
 * hour), ranges ("between 10pm and 11pm yesterday"), "since/after X" (→ now) and "before X".
 * Returns undefined when the question names no time.
 */
export function parseTimeRange(text: string, nowMs: number, tz: string): TimeRange | undefined {
  const rolling = ROLLING.exec(text);
  if (rolling) {
    const nRaw = rolling[1]?.toLowerCase();
    const n = nRaw ? (WORD_NUMBERS[nRaw] ?? Number(nRaw)) : 1;
    const unit = UNIT_MS[rolling[2]!.toLowerCase()]!;
    return build(nowMs - n * unit, nowMs, rolling[0], nowMs);
  }
  if (/\blast\s+night\b/i.test(text)) {
    const today = dayStart(nowMs, tz);
    const yesterday = dayStart(today - HOUR, tz);
    return build(yesterday + 18 * HOUR, today + 6 * HOUR, 'last night', nowMs);
  }
  if (/\b(right\s+)?now\b|\bcurrently\b/i.test(text) && !/\bsince\b|\buntil\b/i.test(text)) return undefined;

  const ref = { instant: new Date(nowMs), timezone: zoneOffsetMinutes(nowMs, tz) };
  const results = chrono.parse(text, ref);
  if (results.length === 0) return undefined;
  let [first, second] = results as [chrono.ParsedResult, chrono.ParsedResult | undefined];

  // "between 10pm and 11pm yesterday": two results joined by and/to; the first borrows the second's day.
  const joined =
    second &&
    /^\s*(and|to|until|till|-|–)\s*$/i.test(text.slice(first.index + first.text.length, second.index));
  if (joined && second) {
    const a = comps(first.start);
    if (!a.isCertain('day') && second.start.isCertain('day')) {
      a.imply('year', second.start.get('year')!);
      a.imply('month', second.start.get('month')!);
      a.imply('day', second.start.get('day')!);
    }
    const from = rangeOf(a, first.text, tz)[0];
    const toRange = rangeOf(second.start, second.text, tz);
    const to = second.start.isCertain('hour') ? toRange[0] : toRange[1];
    const lead = /\b(between|from)\s*$/i.exec(text.slice(0, first.index))?.[0] ?? '';
    const phrase = lead + text.slice(first.index, second.index + second.text.length);
    return build(from, Math.max(to, from + 60_000), phrase, nowMs);
  }
  second = undefined;

  const start = comps(first.start);
  // "at 22:14 on the dock yesterday": a clock time borrows the day of another, day-only expression.
  if (!start.isCertain('day') && !start.isCertain('weekday')) {
    const day = results.find((r) => r !== first && r.start.isCertain('day') && !r.start.isCertain('hour'));
    if (day) {
      start.assign('year', day.start.get('year')!);
      start.assign('month', day.start.get('month')!);
      start.assign('day', day.start.get('day')!);
    }
  }
  // A bare weekday means the latest past one ("on Monday" asked on Friday = 4 days ago).
  if (start.isCertain('weekday') && !start.isCertain('day') && start.date().getTime() > nowMs) {
    const back = new Date(start.date().getTime() - 7 * DAY);
    const p = zonedParts(back.getTime(), tz);
    start.assign('year', p.year);
    start.assign('month', p.month);
    start.assign('day', p.day);
  }
  let [from, to] = first.end
    ? [first.start.date().getTime(), first.end.date().getTime()]
    : rangeOf(start, first.text, tz);
  const before = text.slice(0, first.index);
  const phrase = (/\b(since|after|from|before|until|till)\s*$/i.exec(before)?.[0] ?? '') + first.text;
  if (/\b(since|after|from)\s*$/i.test(before)) to = Math.max(nowMs, from + 60_000);
  else if (/\b(before|until|till)\s*$/i.test(before)) {
    to = from;
    from = dayStart(from, tz);
  }
  // "today" / "this morning": the range ends now.
  if (from <= nowMs && to > nowMs) to = nowMs;
  return build(from, Math.max(to, from + 1), phrase, nowMs);
}
