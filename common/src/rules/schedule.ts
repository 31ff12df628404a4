import type { Schedule } from '../schemas/rule.ts';

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (0 = Sunday) and minute of the day of `atMs` in an IANA time zone (Intl, DST-aware). */
export function localWeekMinute(atMs: number, timeZone: string): { day: number; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const p of f.formatToParts(atMs)) {
    if (p.type === 'weekday') day = WEEKDAYS[p.value] ?? 0;
    else if (p.type === 'hour') hour = Number(p.value) % 24;
    else if (p.type === 'minute') minute = Number(p.value);
  }
  return { day, minute: hour * 60 + minute };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * True when the rule is armed at `atMs`. No schedule = always armed. A window whose end is before its
 * start runs overnight: it starts on one of its days and ends the next morning.
 */
export function isScheduleArmed(schedule: Schedule | undefined, atMs: number): boolean {
  if (!schedule) return true;
  const { day, minute } = localWeekMinute(atMs, schedule.timezone);
  const prev = (day + 6) % 7;
  for (const w of schedule.windows) {
    const s = toMinutes(w.start);
    const e = toMinutes(w.end);
    if (s < e) {
      if (w.days.includes(day) && minute >= s && minute < e) return true;
    } else {
      if (w.days.includes(day) && minute >= s) return true;
      if (w.days.includes(prev) && minute < e) return true;
    }
  }
  return false;
}
