import { COCO_LABELS } from '@sentinel/common';
import Fuse from 'fuse.js';
import type { CameraInfo, ZoneInfo } from '../data/catalog.ts';

/** Words that name object classes, mapped to the detector's COCO labels. */
const SYNONYMS: Record<string, string[]> = {
  people: ['person'],
  persons: ['person'],
  person: ['person'],
  human: ['person'],
  humans: ['person'],
  someone: ['person'],
  somebody: ['person'],
  anyone: ['person'],
  anybody: ['person'],
  pedestrian: ['person'],
  pedestrians: ['person'],
  man: ['person'],
  men: ['person'],
  woman: ['person'],
  women: ['person'],
  intruder: ['person'],
  intruders: ['person'],
  visitor: ['person'],
  visitors: ['person'],
  vehicle: ['car', 'truck', 'bus', 'motorcycle'],
  vehicles: ['car', 'truck', 'bus', 'motorcycle'],
  automobile: ['car'],
  automobiles: ['car'],
  lorry: ['truck'],
  lorries: ['truck'],
  van: ['truck'],
  vans: ['truck'],
  bike: ['bicycle'],
  bikes: ['bicycle'],
  cyclist: ['bicycle'],
  cyclists: ['bicycle'],
  motorbike: ['motorcycle'],
  motorbikes: ['motorcycle'],
  scooter: ['motorcycle'],
  animal: ['dog', 'cat', 'bird', 'horse', 'sheep', 'cow', 'bear'],
  animals: ['dog', 'cat', 'bird', 'horse', 'sheep', 'cow', 'bear'],
  pet: ['dog', 'cat'],
  pets: ['dog', 'cat'],
  puppy: ['dog'],
  kitten: ['cat'],
  parcel: ['suitcase', 'backpack', 'handbag'],
  package: ['suitcase', 'backpack', 'handbag'],
  bag: ['backpack', 'handbag', 'suitcase'],
  bags: ['backpack', 'handbag', 'suitcase'],
  phone: ['cell phone'],
  phones: ['cell phone'],
};

const PLURAL_IRREGULAR: Record<string, string> = {
  person: 'people',
  bus: 'buses',
  'cell phone': 'cell phones',
};

/** 'person' → 'people', 'car' → 'cars' (1 → singular). */
export function labelNoun(label: string, n: number): string {
  if (n === 1) return label;
  return PLURAL_IRREGULAR[label] ?? (label.endsWith('s') ? label : `${label}s`);
}

/** Object classes named in the text (synonyms, plurals and multi-word COCO labels). */
export function findLabels(text: string): { labels: string[]; words: string[] } {
  const lower = ` ${text.toLowerCase().replace(/[^a-z0-9\s-]/g, ' ')} `;
  const labels = new Set<string>();
  const words: string[] = [];
  for (const label of COCO_LABELS) {
    const plural = labelNoun(label, 2);
    for (const form of [label, plural]) {
      if (lower.includes(` ${form} `)) {
        labels.add(label);
        words.push(form);
      }
    }
  }
  for (const [word, targets] of Object.entries(SYNONYMS)) {
    if (lower.includes(` ${word} `)) {
      for (const t of targets) labels.add(t);
      words.push(word);
    }
  }
  return { labels: [...labels], words };
}

const STOP = new Set(
  'a an the on in at of to for from by with and or was were is are be been did do does how many much what which when where who why last first seen see saw camera cameras zone zones alert alerts today yesterday tonight morning evening afternoon night hour hours day days week minutes any there this that it me show list tell count number times most busiest latest recent most since before after between during every all area'.split(
    ' ',
  ),
);

type Named = { id: string; name: string };
export type Match<T> = { item: T; phrase: string; score: number /** word index in the text */; at: number };

function ngrams(text: string, max = 3): { phrase: string; start: number; end: number }[] {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9'\s_-]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const out: { phrase: string; start: number; end: number }[] = [];
  for (let n = max; n >= 1; n--)
    for (let i = 0; i + n <= words.length; i++) {
      const gram = words.slice(i, i + n).map((w) => w.replace(/'s$/, '').replace(/'/g, ''));
      if (STOP.has(gram[0]!) || STOP.has(gram[gram.length - 1]!)) continue;
      out.push({ phrase: gram.join(' '), start: i, end: i + n });
    }
  return out;
}

const norm = (s: string) => s.toLowerCase().replace(/[_-]+/g, ' ').trim();
const wordsOf = (s: string) => norm(s).split(/\s+/).filter(Boolean);

/**
 * Named things (cameras, zones) mentioned in the text. Phrases of 1-3 words are tried longest
 * first, in three passes: exact name or id; words that belong to exactly one name ("garden" →
 * "Back Garden"); then fuzzy (Fuse.js, typo-tolerant, similar length). One thing per phrase and no
 * overlapping phrases, so "parking lot" wins over the zone "Lot entrance".
 */
export function findNamed<T extends Named>(
  text: string,
  items: readonly T[],
  key: (t: T) => string = (t) => t.id,
  threshold = 0.25,
): Match<T>[] {
  if (items.length === 0) return [];
  const fuse = new Fuse(items as T[], {
    keys: ['name'],
    includeScore: true,
    ignoreLocation: true,
    threshold,
  });
  const used = new Set<number>();
  const found = new Map<string, Match<T>>();
  const grams = ngrams(text);
  for (const pass of ['exact', 'words', 'fuzzy'] as const) {
    for (const g of grams) {
      let free = true;
      for (let k = g.start; k < g.end; k++) if (used.has(k)) free = false;
      if (!free) continue;
      let hit: { item: T; score: number } | undefined;
      if (pass === 'exact') {
        const item = items.find((x) => norm(x.name) === norm(g.phrase) || norm(x.id) === norm(g.phrase));
        if (item) hit = { item, score: 0 };
      } else if (pass === 'words') {
        const gw = wordsOf(g.phrase);
        const cands =
          g.phrase.length >= 4 ? items.filter((x) => gw.every((w) => wordsOf(x.name).includes(w))) : [];
        if (cands.length === 1) hit = { item: cands[0]!, score: 0.1 };
      } else if (g.phrase.length >= 4) {
        const r = fuse.search(g.phrase)[0];
        const target = r ? norm(r.item.name) : '';
        if (
          r &&
          (r.score ?? 1) <= threshold &&
          Math.abs(target.length - g.phrase.length) <= Math.max(2, target.length * 0.3)
        )
          hit = { item: r.item, score: r.score ?? 1 };
      }
      if (!hit || found.has(key(hit.item))) continue;
      for (let k = g.start; k < g.end; k++) used.add(k);
      found.set(key(hit.item), { item: hit.item, phrase: g.phrase, score: hit.score, at: g.start });
    }
  }
  // In the order the text names them.
  return [...found.values()].sort((a, b) => a.at - b.at);
}

export type Place = { kind: 'camera'; item: CameraInfo } | { kind: 'zone'; item: ZoneInfo };

/** Cameras and zones named in the text, matched together so one phrase names one thing. */
export function findPlaces(
  text: string,
  cameras: readonly CameraInfo[],
  zones: readonly ZoneInfo[],
): { cameras: CameraInfo[]; zones: ZoneInfo[] } {
  type Tagged = { id: string; name: string; place: Place };
  const items: Tagged[] = [
    ...cameras.map((c) => ({ id: c.id, name: c.name, place: { kind: 'camera' as const, item: c } })),
    ...zones.map((z) => ({ id: z.id, name: z.name, place: { kind: 'zone' as const, item: z } })),
  ];
  const matches = findNamed(text, items, (t) => `${t.place.kind}:${t.id}`);
  return {
    cameras: matches.flatMap((m) => (m.item.place.kind === 'camera' ? [m.item.place.item] : [])),
    zones: matches.flatMap((m) => (m.item.place.kind === 'zone' ? [m.item.place.item] : [])),
  };
}
