import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, repoRoot, streamNames } from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import { logger } from './fixture.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('service main', () => {
  it('starts, reports ready, answers, and shuts down gracefully on SIGTERM', async () => {
    const db = await createTestDatabase({ migrate: false });
    const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-assistant-main-'));
    const durable = uniqueId('assistant-main');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'assistant/src/main.ts'], {
      cwd: repoRoot(),
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        SENTINEL_DATA_DIR: dataDir,
        ASSISTANT_PORT: String(port),
        ASSISTANT_INDEXER_CONSUMER: durable,
        ASSISTANT_OPENAI_BASE_URL: '',
        ASSISTANT_CHAT_MODEL: '',
        ASSISTANT_TRANSCRIBE_MODEL: '',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    child.stderr.on('data', (d) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('assistant listening'), {
        timeoutMs: 40_000,
        label: `assistant start\n${out}`,
      });
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json());
      assert.deepEqual(ready, { ok: true, checks: { postgres: 'ok', nats: 'ok', vectorStore: 'ok' } });
      const res = await fetch(`http://127.0.0.1:${port}/query`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sentinel-user': '{"id":"t","username":"t","role":"viewer"}',
        },
        body: JSON.stringify({ question: 'How many people were seen today?' }),
      });
      assert.equal(res.status, 200);
      assert.match(((await res.json()) as { answer: string }).answer, /^No people were seen today/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      for (const step of ['http', 'track indexer', 'alert indexer', 'vector store', 'nats', 'postgres'])
        assert.match(out, new RegExp(`"step":"${step}"[^\\n]*"msg":"stopped"`), step);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      const nc = await connectNats(stackConfig().NATS_URL, 'assistant-main-test', logger);
      await (await jetstreamManager(nc)).consumers.delete(streamNames.alerts, durable).catch(() => {});
      await nc.drain();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
