/**
 * Writes .env.example from the one config schema in common/src/config: every variable, its default,
 * and the doc comment above it in its section file. `--check` exits 1 when the file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envSchema, parseEnv } from '@sentinel/common';

const ROOT = resolve(import.meta.dirname, '../..');
const SECTIONS = ['base', 'ingest', 'inference', 'alerts', 'gateway', 'annotator', 'assistant'];

/** Doc comments (/** ... *\/ or // lines) directly above `KEY:` in a section file. */
function docComments(file: string): Map<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const docs = new Map<string, string>();
  let pending: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    const key = /^([A-Z][A-Z0-9_]+):/.exec(line);
    if (key) {
      docs.set(key[1]!, pending.join(' ').replace(/\s+/g, ' ').trim());
      pending = [];
    } else if (line.startsWith('/**') || line.startsWith('*') || line.startsWith('//')) {
      const text = line
        .replace(/^\/\*\*|\*\/$|^\*|^\/\//g, '')
        .replace(/\*\/$/, '')
        .trim();
      if (text) pending.push(text);
    } else if (line !== '') pending = [];
  }
  return docs;
}

export function renderEnvExample(): string {
  const defaults = parseEnv(envSchema, {}) as Record<string, unknown>;
  const out = [
    '# Sentinel configuration. Every variable is optional; the value shown is the default.',
    '# Generated from common/src/config/*.ts by `node --import tsx infra/local/gen-env-example.ts`.',
    '',
  ];
  const seen = new Set<string>();
  for (const section of SECTIONS) {
    const file = join(ROOT, 'common/src/config', `${section}.ts`);
    const docs = docComments(file);
    const keys = [...docs.keys()].filter((k) => k in envSchema.shape && !seen.has(k));
    if (keys.length === 0) continue;
    out.push(`# --- ${section} ---`);
    for (const key of keys) {
      seen.add(key);
      const doc = docs.get(key);
      if (doc) out.push(`# ${doc}`);
      const v = defaults[key];
      out.push(`# ${key}=${v === undefined ? '' : String(v)}`);
    }
    out.push('');
  }
  const missing = Object.keys(envSchema.shape).filter((k) => !seen.has(k));
  if (missing.length) throw new Error(`variables without a section file entry: ${missing.join(', ')}`);
  return `${out.join('\n').trimEnd()}\n`;
}

if (import.meta.main) {
  const target = join(ROOT, '.env.example');
  const text = renderEnvExample();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      process.stderr.write(
        '.env.example is out of date: run node --import tsx infra/local/gen-env-example.ts\n',
      );
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    process.stderr.write(`wrote ${target}\n`);
  }
}
