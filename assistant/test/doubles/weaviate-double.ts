import Fastify, { type FastifyInstance } from 'fastify';
import { type FieldNode, Kind, parse, type SelectionSetNode, valueFromASTUntyped } from 'graphql';

type Obj = { class: string; id: string; vector: number[]; properties: Record<string, unknown> };
type ClassDef = { class: string; vectorizer?: string; properties?: { name: string; dataType: string[] }[] };
type Where = {
  operator: string;
  operands?: Where[];
  path?: string[];
  valueText?: string | string[];
  valueNumber?: number;
  valueTextArray?: string[];
};

const cosine = (a: number[], b: number[]) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * (b[i] ?? 0);
    na += a[i]! ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na && nb ? d / Math.sqrt(na * nb) : 0;
};

function matches(o: Obj, w: Where | undefined): boolean {
  if (!w) return true;
  const v = w.path ? o.properties[w.path[0]!] : undefined;
  switch (w.operator) {
    case 'And':
      return (w.operands ?? []).every((x) => matches(o, x));
    case 'Or':
      return (w.operands ?? []).some((x) => matches(o, x));
    case 'Equal':
      return w.valueText !== undefined ? v === w.valueText : v === w.valueNumber;
    case 'NotEqual':
      return w.valueText !== undefined ? v !== w.valueText : v !== w.valueNumber;
    case 'GreaterThanEqual':
      return typeof v === 'number' && v >= w.valueNumber!;
    case 'GreaterThan':
      return typeof v === 'number' && v > w.valueNumber!;
    case 'LessThan':
      return typeof v === 'number' && v < w.valueNumber!;
    case 'LessThanEqual':
      return typeof v === 'number' && v <= w.valueNumber!;
    case 'ContainsAny': {
      const have = Array.isArray(v) ? v : [v];
      // weaviate-ts-client sends ContainsAny values as `valueText: [..]`.
      const wanted = w.valueTextArray ?? (Array.isArray(w.valueText) ? w.valueText : [w.valueText]);
      return wanted.some((x) => have.includes(x));
    }
    default:
      throw new Error(`operator ${w.operator} not supported by the double`);
  }
}

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

function project(o: Obj, set: SelectionSetNode | undefined, extra: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const sel of set?.selections ?? []) {
    if (sel.kind !== Kind.FIELD) continue;
    if (sel.name.value === '_additional') {
      const add: Record<string, unknown> = {};
      for (const a of sel.selectionSet?.selections ?? [])
        if (a.kind === Kind.FIELD)
          add[a.name.value] = a.name.value === 'id' ? o.id : (extra[a.name.value] ?? null);
      out._additional = add;
    } else out[sel.name.value] = o.properties[sel.name.value] ?? null;
  }
  return out;
}

/**
 * An HTTP double of the Weaviate endpoints weaviate-ts-client calls: /v1/meta, /v1/schema (GET, POST),
 * /v1/batch/objects (per-object results, with errors for unknown classes, unknown properties or a
 * vector of the wrong dimension) and /v1/graphql (Get with nearVector, hybrid, where, sort, limit;
 * Aggregate meta count), parsed with the graphql reference parser.
 */
export async function startWeaviateDouble(): Promise<{
  url: string;
  app: FastifyInstance;
  classes: Map<string, ClassDef>;
  objects: Map<string, Obj>;
  requests: { method: string; url: string }[];
  close: () => Promise<void>;
}> {
  const classes = new Map<string, ClassDef>();
  const objects = new Map<string, Obj>();
  const requests: { method: string; url: string }[] = [];
  const app = Fastify({ bodyLimit: 50 * 1024 * 1024 });
  app.addHook('onRequest', async (req) => {
    requests.push({ method: req.method, url: req.url });
  });
  app.get('/v1/meta', async () => ({ hostname: 'http://[::]:8080', version: '1.24.10', modules: {} }));
  app.get('/v1/schema', async () => ({ classes: [...classes.values()] }));
  app.post('/v1/schema', async (req, reply) => {
    const c = req.body as ClassDef;
    if (classes.has(c.class))
      return reply.code(422).send({ error: [{ message: `class name ${c.class} already exists` }] });
    classes.set(c.class, c);
    return c;
  });
  app.post('/v1/batch/objects', async (req) => {
    const body = req.body as { objects: Obj[] };
    return body.objects.map((o) => {
      const errors: { message: string }[] = [];
      const cls = classes.get(o.class);
      if (!cls) errors.push({ message: `class ${o.class} not found` });
      const known = new Set((cls?.properties ?? []).map((p) => p.name));
      for (const k of Object.keys(o.properties ?? {}))
        if (!known.has(k))
          errors.push({ message: `no such prop with name '${k}' found in class '${o.class}'` });
      const first = [...objects.values()].find((x) => x.class === o.class);
      if (!Array.isArray(o.vector) || o.vector.length === 0)
        errors.push({ message: 'vector is required (vectorizer none)' });
      else if (first && first.vector.length !== o.vector.length)
        errors.push({
          message: `new node has a vector with length ${o.vector.length}. Existing nodes have vectors with length ${first.vector.length}`,
        });
      if (errors.length === 0) objects.set(o.id, { ...o });
      return { ...o, result: errors.length ? { errors: { error: errors } } : {} };
    });
  });
  app.post('/v1/graphql', async (req) => {
    const { query } = req.body as { query: string };
    const doc = parse(query);
    const op = doc.definitions[0];
    if (op?.kind !== Kind.OPERATION_DEFINITION) return { errors: [{ message: 'no operation' }] };
    const root = op.selectionSet.selections[0] as FieldNode;
    const clsField = root.selectionSet?.selections[0] as FieldNode;
    const className = clsField.name.value;
    if (!classes.has(className))
      return { errors: [{ message: `Cannot query field "${className}" on type "Get${root.name.value}".` }] };
    const args = Object.fromEntries(
      (clsField.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
    ) as {
      nearVector?: { vector: number[] };
      hybrid?: { query: string; vector?: number[]; alpha?: number; properties?: string[] };
      where?: Where;
      limit?: number;
      sort?: { path: string[]; order: string }[] | { path: string[]; order: string };
    };
    let rows = [...objects.values()].filter((o) => o.class === className && matches(o, args.where));
    if (root.name.value === 'Aggregate')
      return { data: { Aggregate: { [className]: [{ meta: { count: rows.length } }] } } };
    const extra = new Map<string, Record<string, unknown>>();
    if (args.nearVector) {
      const q = args.nearVector.vector;
      for (const o of rows) extra.set(o.id, { distance: 1 - cosine(q, o.vector) });
      rows.sort((a, b) => (extra.get(a.id)!.distance as number) - (extra.get(b.id)!.distance as number));
    } else if (args.hybrid) {
      const alpha = args.hybrid.alpha ?? 0.75;
      const qw = new Set(words(args.hybrid.query));
      const props = args.hybrid.properties ?? ['text'];
      rows.forEach((o) => {
        const ow = props.flatMap((p) => words(String(o.properties[p] ?? '')));
        const kw = qw.size ? ow.filter((w) => qw.has(w)).length / (ow.length || 1) : 0;
        const vec = args.hybrid!.vector ? cosine(args.hybrid!.vector, o.vector) : 0;
        extra.set(o.id, { score: String(alpha * vec + (1 - alpha) * kw) });
      });
      rows.sort((a, b) => Number(extra.get(b.id)!.score) - Number(extra.get(a.id)!.score));
    } else if (args.sort) {
      const s = Array.isArray(args.sort) ? args.sort[0]! : args.sort;
      const key = s.path[0]!;
      rows.sort(
        (a, b) => (Number(a.properties[key]) - Number(b.properties[key])) * (s.order === 'desc' ? -1 : 1),
      );
    }
    if (args.limit !== undefined) rows = rows.slice(0, args.limit);
    return {
      data: {
        Get: { [className]: rows.map((o) => project(o, clsField.selectionSet, extra.get(o.id) ?? {})) },
      },
    };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}`, app, classes, objects, requests, close: () => app.close() };
}
