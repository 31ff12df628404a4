import type { AssistantCitation } from '@sentinel/common/api/assistant';
import { dedupeCitations } from '../citations/citations.ts';
import { formatDateTime, formatDuration } from '../events/format-time.ts';
import type { ToolContext } from '../tools/context.ts';
import {
  type CountResult,
  cameraStatusTool,
  countDetectionsTool,
  listAlertsTool,
  listTracksTool,
  searchEvents,
} from '../tools/tools.ts';
import { labelNoun } from './entities.ts';
import { type ParsedQuestion, parseQuestion } from './parse-question.ts';

export type PlannerAnswer = {
  answer: string;
  citations: AssistantCitation[];
  parsed: ParsedQuestion;
  /** Event document ids the semantic search returned (best first), for retrieval metrics. */
  retrieved: string[];
};

const iso = (ms: number) => new Date(ms).toISOString();
const quote = (s: string) => `'${s}'`;
const listWords = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;

type AlertData = {
  total: number;
  alerts: {
    id: string;
    rule: string;
    cameraId: string;
    label: string;
    zone: string | null;
    status: string;
    openedAt: string;
  }[];
};
type TrackData = {
  tracks: {
    cameraId: string;
    trackId: string;
    label: string;
    firstSeen: string;
    lastSeen: string;
    zones: string[];
  }[];
};
type SearchData = { events: { ref: string; text: string }[] };
type StatusData = {
  cameras: { cameraId: string; name: string; state: string; reason: string | null; since: string | null }[];
};

/**
 * The offline planner: reads intent, time, cameras, zones and labels from the question, runs the
 * same tools as the LLM agent, and answers from templates. It only states what the tools returned;
 * when nothing matches it says so, and it refuses questions about things Sentinel does not record.
 */
export class Planner {
  constructor(private readonly ctx: ToolContext) {}

  async parse(question: string, nowMs: number): Promise<ParsedQuestion> {
    const [cameras, zones] = await Promise.all([this.ctx.catalog.cameras(), this.ctx.catalog.zones()]);
    return parseQuestion(question, { cameras, zones, nowMs, timeZone: this.ctx.timeZone });
  }

  /** Semantic search with the question's filters (what `search` answers from; also used for recall@k). */
  async retrieve(question: string, p: ParsedQuestion, limit = 5) {
    return searchEvents(this.ctx, {
      query: question,
      limit,
      ...(p.cameras.length ? { cameras: p.cameras.map((c) => c.id) } : {}),
      ...(p.zones.length ? { zones: p.zones.map((z) => z.id) } : {}),
      ...(p.labels.length ? { labels: p.labels } : {}),
      ...(p.time ? { from: iso(p.time.fromMs), to: iso(p.time.toMs) } : {}),
    });
  }

  async answer(question: string, nowMs = Date.now()): Promise<PlannerAnswer> {
    const p = await this.parse(question, nowMs);
    const tz = this.ctx.timeZone;
    const fmt = (ms: number) => formatDateTime(ms, tz).slice(0, 16);
    const done = (
      answer: string,
      citations: AssistantCitation[] = [],
      retrieved: string[] = [],
    ): PlannerAnswer => ({
      answer,
      citations: dedupeCitations(citations),
      parsed: p,
      retrieved,
    });

    if (p.outOfScope)
      return done(
        `I can't answer that from the recorded data: Sentinel knows which objects (people, vehicles, animals…) were seen on which camera and zone and when, plus alerts and camera status — not ${p.outOfScope}.`,
      );
    if (p.unknownObject)
      return done(
        `I can't count '${p.unknownObject}': the detector only knows the 80 COCO object classes (person, car, truck, dog, …), so there is no data about that.`,
      );
    if (p.unknownCamera) {
      const names = (await this.ctx.catalog.cameras()).map((c) => quote(c.name));
      return done(
        `There is no camera named '${p.unknownCamera}', so I have no data for it. Cameras: ${names.length ? listWords(names) : 'none configured'}.`,
      );
    }
    if (p.time?.future)
      return done(
        `That time (${p.time.phrase}) is in the future; I can only answer about what has already been recorded.`,
      );

    const where = [
      p.cameras.length ? `on camera ${listWords(p.cameras.map((c) => quote(c.name)))}` : '',
      p.zones.length ? `in zone ${listWords(p.zones.map((z) => quote(z.name)))}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const when = p.time
      ? `${p.time.phrase} (${fmt(p.time.fromMs)} – ${fmt(p.time.toMs)} ${tz})`
      : 'in the recorded history';
    const scope = [where, when].filter(Boolean).join(' ');
    const nounOf = (n: number) =>
      p.labels.length === 1
        ? labelNoun(p.labels[0]!, n)
        : p.labels.length
          ? n === 1
            ? 'object'
            : 'objects'
          : n === 1
            ? 'object'
            : 'objects';
    const what = p.labels.length ? listWords(p.labels.map((l) => labelNoun(l, 2))) : 'objects';
    const range = { from: iso(p.time?.fromMs ?? 1), to: iso(p.time?.toMs ?? nowMs) };
    const countArgs = {
      ...range,
      ...(p.labels.length ? { labels: p.labels } : {}),
      ...(p.cameras.length ? { cameras: p.cameras.map((c) => c.id) } : {}),
      ...(p.zones.length === 1 ? { zone: p.zones[0]!.id } : {}),
    };
    const filterArgs = {
      ...(p.cameras.length ? { cameras: p.cameras.map((c) => c.id) } : {}),
      ...(p.zones.length ? { zones: p.zones.map((z) => z.id) } : {}),
      ...(p.labels.length ? { labels: p.labels } : {}),
      ...(p.time ? range : {}),
    };

    switch (p.intent) {
      case 'count': {
        const r = await countDetectionsTool(this.ctx, { ...countArgs, intervalMinutes: 60 });
        const d = r.data;
        if (d.objects === 0 && !d.detections) return done(`No ${what} were seen ${scope}.`, r.citations);
        const det =
          d.detections === null
            ? ''
            : ` (${d.detections} ${d.detections === 1 ? 'detection' : 'detections'} in the per-minute counts)`;
        const split =
          d.byCamera.length > 1 && p.cameras.length !== 1
            ? ` By camera: ${d.byCamera.map((c) => `${quote(c.cameraName)} ${c.objects}`).join(', ')}.`
            : '';
        return done(`${d.objects} ${nounOf(d.objects)} seen ${scope}${det}.${split}`, r.citations);
      }
      case 'count_alerts': {
        const r = await listAlertsTool(this.ctx, { ...filterArgs, limit: 5 });
        const d = r.data as AlertData;
        if (d.total === 0) return done(`No alerts ${scope}.`, r.citations);
        const ids = d.alerts.map((a) => a.id);
        return done(
          `${d.total} ${d.total === 1 ? 'alert' : 'alerts'} ${scope}${d.total > ids.length ? `; latest ${ids.length}` : ''}: ${ids.map((i) => `alert ${i}`).join(', ')}.`,
          r.citations,
        );
      }
      case 'list_alerts': {
        const latestOnly = /\b(last|latest|most recent)\b/i.test(question) && !/\balerts\b/i.test(question);
        const r = await listAlertsTool(this.ctx, { ...filterArgs, limit: latestOnly ? 1 : 10 });
        const d = r.data as AlertData;
        if (d.total === 0) return done(`No alerts ${scope}.`, r.citations);
        const cams = await this.ctx.catalog.cameras();
        const camName = (id: string) => cams.find((c) => c.id === id)?.name ?? id;
        const lines = d.alerts.map(
          (a) =>
            `alert ${a.id} at ${formatDateTime(Date.parse(a.openedAt), tz)}: ${a.label} on camera ${quote(camName(a.cameraId))}${a.zone ? ` in zone ${quote(a.zone)}` : ''} (rule ${quote(a.rule)}, ${a.status})`,
        );
        const head = latestOnly
          ? `The latest alert ${scope} is`
          : `${d.total} ${d.total === 1 ? 'alert' : 'alerts'} ${scope}${d.total > lines.length ? `; the latest ${lines.length}` : ''}:`;
        return done(`${head} ${lines.join('; ')}.`, r.citations);
      }
      case 'last_seen':
      case 'first_seen': {
        const latest = p.intent === 'last_seen';
        const r = await listTracksTool(this.ctx, {
          ...filterArgs,
          order: latest ? 'latest' : 'earliest',
          limit: 1,
        });
        const t = (r.data as TrackData).tracks[0];
        if (!t) return done(`No ${what} ${latest ? 'have been' : 'were'} seen ${scope}.`, r.citations);
        const camName =
          (await this.ctx.catalog.cameras()).find((c) => c.id === t.cameraId)?.name ?? t.cameraId;
        const at = latest ? Date.parse(t.lastSeen) : Date.parse(t.firstSeen);
        const dur = formatDuration(Date.parse(t.lastSeen) - Date.parse(t.firstSeen));
        const subject = p.labels.length === 1 ? p.labels[0]! : p.labels.length ? what : 'object';
        const head = `${subject.charAt(0).toUpperCase()}${subject.slice(1)} ${latest ? 'last' : 'first'} seen${where ? ` ${where}` : ''}${p.time ? ` ${p.time.phrase}` : ''}`;
        return done(
          `${head}: a ${t.label} on camera ${quote(camName)} at ${formatDateTime(at, tz)} ${tz} (track ${t.trackId}, visible for ${dur}${t.zones.length ? `, in zone ${listWords(t.zones.map(quote))}` : ''}).`,
          r.citations,
        );
      }
      case 'which_camera': {
        const r = await countDetectionsTool(this.ctx, { ...countArgs, intervalMinutes: 60 });
        const d = r.data;
        const ranked = d.byCamera.filter((c) => c.objects > 0 || c.detections > 0);
        if (ranked.length === 0) return done(`No ${what} were seen on any camera ${scope}.`, r.citations);
        const [top, next] = ranked as [
          CountResult['byCamera'][number],
          CountResult['byCamera'][number] | undefined,
        ];
        const tie = next && next.objects === top.objects ? ` (tied with ${quote(next.cameraName)})` : '';
        const rest = next && !tie ? ` Next: ${quote(next.cameraName)} with ${next.objects}.` : '';
        return done(
          `Camera ${quote(top.cameraName)} saw the most ${what} ${scope}: ${top.objects} ${nounOf(top.objects)}${tie}.${rest}`,
          r.citations.filter(
            (c) => c.cameraId === top.cameraId || (next && tie && c.cameraId === next.cameraId),
          ),
        );
      }
      case 'busiest_hour': {
        const r = await countDetectionsTool(this.ctx, { ...countArgs, intervalMinutes: 60 });
        const b = r.data.busiest;
        if (!b) return done(`No ${what} were seen ${scope}, so there is no busiest hour.`, r.citations);
        const start = Date.parse(b.start);
        const measure =
          r.data.detections === null
            ? `${b.objects} ${nounOf(b.objects)}`
            : `${b.detections} detections (${b.objects} ${nounOf(b.objects)})`;
        return done(
          `The busiest hour for ${what} ${scope} was ${formatDateTime(start, tz).slice(0, 16)}–${formatDateTime(start + 3_600_000, tz).slice(11, 16)} ${tz} with ${measure}.`,
          r.citations.filter((c) => {
            const t = Date.parse(c.time);
            return t >= start - 3_600_000 && t < start + 3_600_000;
          }),
        );
      }
      case 'camera_status': {
        const r = await cameraStatusTool(
          this.ctx,
          p.cameras.length ? { cameras: p.cameras.map((c) => c.id) } : {},
        );
        const cams = (r.data as StatusData).cameras;
        if (cams.length === 0) return done('No cameras are configured.', r.citations);
        const lines = cams.map((c) =>
          c.state === 'unknown'
            ? `camera ${quote(c.name)} has not reported a status`
            : `camera ${quote(c.name)} is ${c.state}${c.reason ? ` (${c.reason.replace(/_/g, ' ')})` : ''}${c.since ? ` since ${formatDateTime(Date.parse(c.since), tz)} ${tz}` : ''}`,
        );
        const text = lines.join('; ');
        return done(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`, r.citations);
      }
      default: {
        const r = await this.retrieve(question, p, 5);
        const events = (r.data as SearchData).events;
        if (events.length === 0)
          return done(`I found no recorded events matching that ${scope}.`, r.citations);
        return done(
          `I found ${events.length} matching ${events.length === 1 ? 'event' : 'events'} ${scope}: ${events.map((e, i) => `(${i + 1}) ${e.text.split('. ')[0]}`).join(' ')}`,
          r.citations,
          events.map((e) => e.ref),
        );
      }
    }
  }
}
