/**
 * Kubernetes object validation without a cluster:
 *  1. the kubernetes-models package's validators (compiled from the Kubernetes OpenAPI schemas):
 *     types, required fields, formats, enums;
 *  2. unknown fields (what `kubectl apply --validate=strict` rejects): every key is looked up in the
 *     package's type declarations, which list each object's fields.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Obj = Record<string, unknown>;
type Shape = { fields: Map<string, string>; file: string } | null;

const shapes = new Map<string, Shape>();

const declarationOf = (specifier: string, from?: string) =>
  specifier.startsWith('.')
    ? resolve(dirname(from!), specifier.replace(/\.js$/, '.d.ts'))
    : fileURLToPath(import.meta.resolve(specifier)).replace(/\.js$/, '.d.ts');

/** The fields (name -> type text) of the first interface declared in a .d.ts file; null for a type alias. */
function shapeOf(file: string): Shape {
  if (shapes.has(file)) return shapes.get(file)!;
  const src = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const start = /export interface \w+(?: extends [^{]+)? \{/.exec(src);
  let shape: Shape = null;
  if (start) {
    let depth = 1;
    let i = start.index + start[0].length;
    const bodyStart = i;
    while (depth > 0 && i < src.length) {
      if (src[i] === '{') depth++;
      else if (src[i] === '}') depth--;
      i++;
    }
    const body = src.slice(bodyStart, i - 1);
    const fields = new Map<string, string>();
    // split on ';' at brace depth 0
    let d = 0;
    let cur = '';
    for (const ch of body) {
      if (ch === '{') d++;
      if (ch === '}') d--;
      if (ch === ';' && d === 0) {
        const m = /^\s*"([^"]+)"\??:\s*([\s\S]+)$/.exec(cur);
        if (m) fields.set(m[1]!, m[2]!.trim());
        cur = '';
      } else cur += ch;
    }
    shape = { fields, file };
  }
  shapes.set(file, shape);
  return shape;
}

function importsOf(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readFileSync(file, 'utf8').matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const name of m[1]!.split(',').map((s) => s.trim())) out.set(name, m[2]!);
  }
  return out;
}

function checkValue(value: unknown, type: string, file: string, path: string, problems: string[]): void {
  const t = type.trim();
  const array = /^Array<([\s\S]+)>$/.exec(t);
  if (array) {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) checkValue(v, array[1]!, file, `${path}[${i}]`, problems);
    }
    return;
  }
  const map = /^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/.exec(t);
  if (map) {
    if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) checkValue(v, map[1]!, file, `${path}.${k}`, problems);
    return;
  }
  if (!/^I\w+$/.test(t) || !value || typeof value !== 'object' || Array.isArray(value)) return;
  const spec = importsOf(file).get(t);
  if (!spec) return;
  const target = declarationOf(spec, file);
  const shape = shapeOf(target);
  if (shape) checkFields(value as Obj, shape, path, problems);
}

function checkFields(value: Obj, shape: NonNullable<Shape>, path: string, problems: string[]): void {
  for (const [key, v] of Object.entries(value)) {
    const type = shape.fields.get(key);
    if (type === undefined) problems.push(`${path}.${key}: unknown field`);
    else checkValue(v, type, shape.file, `${path}.${key}`, problems);
  }
}

/** Unknown fields of a Kubernetes object, as `path: unknown field` lines. */
export function unknownFields(doc: Obj): string[] {
  const file = declarationOf(`kubernetes-models/${String(doc.apiVersion)}/${String(doc.kind)}`);
  const shape = shapeOf(file);
  if (!shape) throw new Error(`no type declaration for ${String(doc.apiVersion)} ${String(doc.kind)}`);
  const problems: string[] = [];
  checkFields(doc, shape, String(doc.kind), problems);
  return problems;
}

type ModelClass = new (data: unknown) => { validate(): void };
const modules = new Map<string, Record<string, unknown>>();

/** Loads the validator modules for the apiVersions used (call before validateK8sObject). */
export async function loadK8sModels(apiVersions: Iterable<string>): Promise<void> {
  for (const v of new Set(apiVersions)) {
    if (modules.has(v)) continue;
    try {
      modules.set(v, (await import(`kubernetes-models/${v}`)) as Record<string, unknown>);
    } catch {
      throw new Error(`unknown apiVersion ${v}`);
    }
  }
}

/** Throws with every problem found: schema violations, then unknown fields. */
export function validateK8sObject(doc: Obj): void {
  const apiVersion = String(doc.apiVersion);
  const kind = String(doc.kind);
  const mod = modules.get(apiVersion);
  if (!mod) throw new Error(`apiVersion ${apiVersion} not loaded (unknown apiVersion?)`);
  const Model = mod[kind] as ModelClass | undefined;
  if (typeof Model !== 'function') throw new Error(`unknown kind ${kind} in ${apiVersion}`);
  new Model(doc).validate();
  const problems = unknownFields(doc);
  if (problems.length) throw new Error(problems.join('\n'));
}
