import type { CameraInfo, ZoneInfo } from '../data/catalog.ts';
import { findLabels, findPlaces } from './entities.ts';
import { parseTimeRange, type TimeRange } from './time-parse.ts';

export type Intent =
  | 'count'
  | 'count_alerts'
  | 'list_alerts'
  | 'last_seen'
  | 'first_seen'
  | 'which_camera'
  | 'busiest_hour'
  | 'camera_status'
  | 'search';

export type ParsedQuestion = {
  intent: Intent;
  time: TimeRange | undefined;
  cameras: CameraInfo[];
  zones: ZoneInfo[];
  labels: string[];
  /** Why the question cannot be answered from the data (asked about attributes Sentinel does not record). */
  outOfScope?: string;
  /** Object words the detector does not know ("how many unicorns"). */
  unknownObject?: string;
  /** A camera named in the question that does not exist. */
  unknownCamera?: string;
};

const OUT_OF_SCOPE: [RegExp, string][] = [
  [/\b(colou?r|colored|coloured|red|blue|green|white|black|yellow)\b/i, 'colours'],
  [/\b(wear|wearing|clothes|clothing|shirt|jacket|hat|dressed)\b/i, 'clothing'],
  [/\bwho\s+(is|was|were|are)\b|\bidentif|\bname of\b|\bface\b|\brecogni[sz]e/i, "people's identities"],
  [/\blicen[cs]e\s+plate|\bnumber\s+plate|\bplate\s+number|\bregistration\b/i, 'licence plates'],
  [/\b(weather|temperature|raining|rain|snow)\b/i, 'the weather'],
  [/\b(age|gender|how old|male|female)\b/i, 'age or gender'],
  [/\bwhy\b|\bintent(ion)?\b|\bmotive\b/i, 'motives'],
  [/\b(brand|make|model)\s+of\b/i, 'brands or vehicle models'],
  [/\bspeed\b|\bhow fast\b|\bmph\b|\bkm\/h\b/i, 'speeds'],
];

const NOT_OBJECTS = new Set([
  'alerts',
  'alert',
  'times',
  'events',
  'event',
  'objects',
  'object',
  'detections',
  'detection',
  'cameras',
  'camera',
  'zones',
  'tracks',
  'things',
  'hours',
  'minutes',
  'of',
  'were',
  'was',
  'did',
  'different',
  'total',
]);

function detectIntent(q: string): Intent {
  const s = q.toLowerCase();
  const aboutAlerts = /\balerts?\b|\balarms?\b|\bincidents?\b|\bintrusions?\b/.test(s);
  if (
    /\b(status|online|offline|working|down|streaming|connected|disconnected|broken)\b/.test(s) &&
    !aboutAlerts
  )
    return 'camera_status';
  if (/\bbusiest\b|\bpeak\b|\bmost (active|busy)\b|\bwhich hour\b|\bwhat hour\b|\bwhat time of day\b/.test(s))
    return 'busiest_hour';
  if (
    /\b(which|what) camera\b|\bon which camera\b|\bwhere (was|were|did)\b.*\b(most|seen)\b|\bwhich camera\b/.test(
      s,
    )
  )
    return 'which_camera';
  if (/\b(how many|number of|count)\b/.test(s)) return aboutAlerts ? 'count_alerts' : 'count';
  if (
    /\b(last|latest|most recent(ly)?)\b.*\b(seen|time|spotted|detected|appear|visit)|\bwhen (was|were|did)\b.*\blast\b|\bwhen\b.*\b(most recent|latest)\b/.test(
      s,
    )
  )
    return aboutAlerts ? 'list_alerts' : 'last_seen';
  if (
    /\b(first|earliest)\b.*\b(seen|time|spotted|detected|appear)|\bwhen (was|were|did)\b.*\bfirst\b/.test(s)
  )
    return 'first_seen';
  if (aboutAlerts) return 'list_alerts';
  return 'search';
}

/** Intent, time range, cameras, zones and labels of an operator question (no I/O). */
export function parseQuestion(
  question: string,
  ctx: { cameras: CameraInfo[]; zones: ZoneInfo[]; nowMs: number; timeZone: string },
): ParsedQuestion {
  const time = parseTimeRange(question, ctx.nowMs, ctx.timeZone);
  const places = findPlaces(question, ctx.cameras, ctx.zones);
  const { labels } = findLabels(question);
  const intent = detectIntent(question);
  const parsed: ParsedQuestion = {
    intent,
    time,
    cameras: places.cameras,
    zones: places.zones,
    labels,
  };
  for (const [re, what] of OUT_OF_SCOPE)
    if (re.test(question)) {
      parsed.outOfScope = what;
      break;
    }
  const howMany = /\bhow many\s+([a-z]+)/i.exec(question)?.[1]?.toLowerCase();
  if (howMany && !NOT_OBJECTS.has(howMany) && findLabels(howMany).labels.length === 0)
    parsed.unknownObject = howMany;
  const namedCamera = /\bcamera\s+(?:named\s+|called\s+)?['"“]?([A-Za-z0-9_-]+)/i.exec(question)?.[1];
  if (
    namedCamera &&
    places.cameras.length === 0 &&
    !/^(status|feeds?|saw|see|seen|had|has|was|is|did|the|a|in|on|at|with)$/i.test(namedCamera)
  )
    parsed.unknownCamera = namedCamera;
  return parsed;
}
