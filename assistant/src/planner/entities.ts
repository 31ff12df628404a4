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
export type Match<T> = { item: T; phrase: string; score: number };

function ngrams(text: string, max = 3): { phrase: string; start: number; end: number }[] {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9'\s_-]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const out: { phrase: string; start: number; end: number }[] = [];
  for (let n = max; n >= 1; n--)
    for (let i = 0; i + n <= words.length; i++) {
      const gram = words.slice(i, i + n);
      if (gram.every((w) => STOP.has(w.replace(/'/g, '')))) continue;
      if (STOP.has(gram[0]!) || STOP.has(gram[gram.length - 1]!)) continue;
      out.push({ phrase: gram.join(' ').replace(/'/g, ''), start: i, end: i + n });
    }
  return out;
}

/**
 * Named things (cameras or zones) mentioned in the text: exact name/id phrases first, then fuzzy
 * matches of 1-3 word phrases (Fuse.js, typo-tolerant), one thing per phrase, no overlapping phrases.
 */
export function findNamed<T extends Named>(text: string, items: readonly T[], threshold = 0.25): Match<T>[] {
  if (items.length === 0) return [];
  const fuse = new Fuse(items as T[], {
    keys: [
      { name: 'name', weight: 0.7 },
      { name: 'id', weight: 0.3 },
    ],
    includeScore: true,
    ignoreLocation: true,
    threshold,
  });
  const used = new Set<number>();
  const found = new Map<string, Match<T>>();
  const grams = ngrams(text);
  const norm = (s: string) => s.toLowerCase().replace(/[_-]+/g, ' ').trim();
  for (const exactPass of [true, false]) {
    for (const g of grams) {
      if ([...Array(g.end - g.start).keys()].some((k) => used.has(g.start + k))) continue;
      let hit: { item: T; score: number } | undefined;
      if (exactPass) {
        const item = items.find((x) => norm(x.name) === norm(g.phrase) || norm(x.id) === norm(g.phrase));
        if (item) hit = { item, score: 0 };
      } else if (g.phrase.length >= 3) {
        const r = fuse.search(g.phrase)[0];
        const target = r ? norm(r.item.name) : '';
        // Fuzzy only when the phrase is about as long as the name (no partial-word hits).
        if (
          r &&
          (r.score ?? 1) <= threshold &&
          Math.abs(target.length - g.phrase.length) <= Math.max(2, target.length * 0.3)
        )
          hit = { item: r.item, score: r.score ?? 1 };
      }
      if (!hit || found.has(hit.item.id)) continue;
      for (let k = g.start; k < g.end; k++) used.add(k);
      found.set(hit.item.id, { item: hit.item, phrase: g.phrase, score: hit.score });
    }
  }
  return [...found.values()];
}

export function findCameras(text: string, cameras: readonly CameraInfo[]): Match<CameraInfo>[] {
  return findNamed(text, cameras);
}

export function findZones(text: string, zones: readonly ZoneInfo[]): Match<ZoneInfo>[] {
  return findNamed(text, zones);
}
