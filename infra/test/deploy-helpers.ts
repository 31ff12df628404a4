/**
 * Helpers of deploy.test.ts: YAML loading, compose interpolation, PromQL metric extraction and the
 * list of Prometheus metric names the services register (read from their source).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createMetricsRegistry } from '@sentinel/common';
import { parse, parseAllDocuments } from 'yaml';

export const repo = resolve(import.meta.dirname, '../..');
export const infra = resolve(repo, 'infra');
export const read = (rel: string) => readFileSync(resolve(repo, rel), 'utf8');

/** One YAML document (merge keys `<<` resolved, as docker compose does). */
export function loadYaml(rel: string): unknown {
  return parse(read(rel), { merge: true, prettyErrors: true });
}

/** Every document of a multi-document YAML file; throws on the first syntax error. */
export function loadYamlDocuments(rel: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(read(rel), { merge: true, prettyErrors: true });
  if (!Array.isArray(docs)) throw new Error(`${rel}: not a YAML stream`);
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join('; ')}`);
    const js = d.toJS();
    if (js !== null && js !== undefined) out.push(js);
  }
  return out;
}

/**
 * Compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
 * $$ for a literal $) over every string of a parsed compose file. Missing required variables throw.
 */
export function interpolate<T>(node: T, env: Record<string, string>): T {
  const one = (s: string): string =>
    s.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (m, name, op, arg, bare) => {
        if (m === '$$') return '$';
        if (bare) return env[bare] ?? '';
        const v = env[name];
        switch (op) {
          case ':-':
            return v ? v : arg;
          case '-':
            return v ?? arg;
          case ':?':
            if (!v) throw new Error(`required variable ${name} is missing: ${arg}`);
            return v;
          case '?':
            if (v === undefined) throw new Error(`required variable ${name} is missing: ${arg}`);
            return v;
          default:
            return v ?? '';
        }
      },
    );
  const walk = (n: unknown): unknown => {
    if (typeof n === 'string') return one(n);
    if (Array.isArray(n)) return n.map(walk);
    if (n && typeof n === 'object')
      return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, walk(v)]));
    return n;
  };
  return walk(node) as T;
}

/** Names of the variables a compose file interpolates, with whether each is required (:? or ?). */
export function composeVariables(text: string): Map<string, { required: boolean }> {
  const out = new Map<string, { required: boolean }>();
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?/g)) {
    const name = m[1]!;
    const required = m[2] === ':?' || m[2] === '?';
    out.set(name, { required: required || out.get(name)?.required === true });
  }
  return out;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
  'le',
]);

/** Metric names a PromQL expression reads (functions, label names, strings, ranges left out). */
export function promqlMetrics(expr: string): string[] {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of cleaned.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    if (m[1]) continue; // a function call
    const word = m[0];
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === '.tsbuild') continue;
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Metric names registered with prom-client in the services' source (`new prom.Counter({ name: ... })`). */
export function registeredMetrics(): Map<string, { type: string; file: string }> {
  const out = new Map<string, { type: string; file: string }>();
  const re =
    /new\s+(?:\w+\.)?(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\(\s*\{[\s\S]*?\bname:\s*['"`]([A-Za-z_:][A-Za-z0-9_:]*)['"`]/g;
  for (const ws of ['common', 'ingest', 'inference', 'alerts', 'gateway', 'annotator', 'assistant']) {
    for (const file of sourceFiles(resolve(repo, ws, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(re)) {
        out.set(m[2]!, { type: m[1]!.toLowerCase(), file: file.slice(repo.length + 1) });
      }
    }
  }
  return out;
}

/** Names of prom-client's default metrics (process_*, nodejs_*), which every service registry collects. */
export async function defaultMetrics(): Promise<Map<string, { type: string }>> {
  const registry = createMetricsRegistry('deploy-test');
  const out = new Map<string, { type: string }>();
  for (const m of await registry.getMetricsAsJSON()) out.set(m.name, { type: String(m.type) });
  registry.clear();
  return out;
}

/** True when `name` is a series of a known metric (histogram _bucket/_sum/_count included). */
export function isKnownSeries(name: string, known: Map<string, { type: string }>): boolean {
  if (name === 'up' || name === 'scrape_duration_seconds') return true;
  if (known.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const base = known.get(m[1]!);
  return !!base && (base.type === 'histogram' || (base.type === 'summary' && m[2] !== 'bucket'));
}
