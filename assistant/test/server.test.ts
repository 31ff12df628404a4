import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMetricsRegistry } from '@sentinel/common';
import { assistantQueryResponseSchema, assistantVoiceResponseSchema } from '@sentinel/common/api/assistant';
import { signAccessToken } from '@sentinel/common/auth/index';
import type { FastifyInstance } from 'fastify';
import { Answerer } from '../src/answer/answerer.ts';
import { Planner } from '../src/planner/planner.ts';
import { buildApp } from '../src/server/app.ts';
import { SpeechClient } from '../src/voice/speech-client.ts';
import { startOpenAIDouble } from './doubles/openai-double.ts';
import { type Fixture, logger, scenarioFixture } from './fixture.ts';
import { wav } from './wav.ts';

const secret = new TextEncoder().encode('assistant-test-secret-0123456789abcdef0123');
const QUESTION = 'How many people were seen on the Dock camera yesterday?';
let fx: Fixture;
let double: Awaited<ReturnType<typeof startOpenAIDouble>>;
let app: FastifyInstance;
let noVoice: FastifyInstance;
let token: string;

before(async () => {
  fx = await scenarioFixture();
  double = await startOpenAIDouble({ transcript: QUESTION });
  const answerer = new Answerer(new Planner(fx.ctx), undefined, logger);
  const common = {
    answerer,
    logger,
    checks: { postgres: () => fx.pool.query('select 1') },
    jwtSecret: secret,
    voice: { maxBytes: 200_000, maxSeconds: 2 },
    now: () => fx.now,
  };
  app = await buildApp({
    ...common,
    registry: createMetricsRegistry('assistant-test'),
    speech: new SpeechClient({
      baseURL: double.url,
      transcribeModel: 'whisper-test',
      speechModel: 'tts-test',
      voice: 'alloy',
    }),
  });
  noVoice = await buildApp({
    ...common,
    registry: createMetricsRegistry('assistant-test-2'),
    speech: undefined,
  });
  token = await signAccessToken({ id: 'u1', username: 'op', role: 'operator' }, secret);
});
after(async () => {
  await app.close();
  await noVoice.close();
  await double.close();
  await fx.close();
});

const auth = () => ({ authorization: `Bearer ${token}` });

describe('POST /query', () => {
  it('answers with cited events for an authenticated caller', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/query',
      headers: auth(),
      payload: { question: QUESTION },
    });
    assert.equal(res.statusCode, 200);
    const body = assistantQueryResponseSchema.parse(res.json());
    assert.match(body.answer, /^4 people seen on camera 'Dock' yesterday/);
    assert.equal(body.mode, 'planner');
    assert.deepEqual(
      body.citations.map((c) => c.id).sort(),
      ['d1', 'd2', 'd4', 'd5'].map((t) => `${fx.cameraId('dock')}:${t}`),
    );
  });

  it('cites alert snapshots as URLs', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/query',
      headers: auth(),
      payload: { question: 'What was the latest alert?' },
    });
    const body = assistantQueryResponseSchema.parse(res.json());
    assert.deepEqual(body.citations, [
      {
        type: 'alert',
        id: 'A-1005',
        cameraId: fx.cameraId('front-door'),
        time: '2026-11-20T11:20:01.000Z',
        snapshotUrl: `/api/v1/snapshots/${fx.cameraId('front-door')}/A-1005.jpg`,
      },
    ]);
  });

  it('refuses unauthenticated, forged or expired tokens; trusts the gateway header from loopback only', async () => {
    const payload = { question: QUESTION };
    assert.equal((await app.inject({ method: 'POST', url: '/query', payload })).statusCode, 401);
    const forged = await signAccessToken(
      { id: 'u1', username: 'op', role: 'operator' },
      new TextEncoder().encode('x'.repeat(40)),
    );
    const bad = await app.inject({
      method: 'POST',
      url: '/query',
      headers: { authorization: `Bearer ${forged}` },
      payload,
    });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error.code, 'unauthorized');
    const old = await signAccessToken({ id: 'u1', username: 'op', role: 'operator' }, secret, {
      now: Date.now() - 3_600_000,
    });
    const expired = await app.inject({
      method: 'POST',
      url: '/query',
      headers: { authorization: `Bearer ${old}` },
      payload,
    });
    assert.equal(expired.json().error.code, 'token_expired');
    const user = JSON.stringify({ id: 'u1', username: 'op', role: 'operator' });
    const viaGateway = await app.inject({
      method: 'POST',
      url: '/query',
      headers: { 'x-sentinel-user': user },
      remoteAddress: '127.0.0.1',
      payload,
    });
    assert.equal(viaGateway.statusCode, 200);
    const remote = await app.inject({
      method: 'POST',
      url: '/query',
      headers: { 'x-sentinel-user': user },
      remoteAddress: '10.0.0.7',
      payload,
    });
    assert.equal(remote.statusCode, 401);
  });

  it('rejects invalid bodies with field details', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/query',
      headers: auth(),
      payload: { question: '   ' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
    assert.equal(res.json().error.details[0].path, 'body.question');
    const extra = await app.inject({
      method: 'POST',
      url: '/query',
      headers: auth(),
      payload: { question: 'hi', admin: true },
    });
    assert.equal(extra.statusCode, 400);
  });
});

describe('POST /voice', () => {
  it('transcribes raw WAV, answers on the same path and speaks the reply when asked', async () => {
    const audio = wav(1);
    const res = await app.inject({
      method: 'POST',
      url: '/voice?speak=true',
      headers: { ...auth(), 'content-type': 'audio/wav' },
      payload: audio,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = assistantVoiceResponseSchema.parse(res.json());
    assert.equal(body.transcript, QUESTION);
    assert.match(body.answer, /^4 people seen on camera 'Dock'/);
    assert.equal(body.citations.length, 4);
    assert.equal(body.speech?.contentType, 'audio/mpeg');
    assert.equal(double.speechRequests.at(-1)?.input, body.answer);
    assert.equal(double.transcriptions.at(-1)?.bytes, audio.length);
  });

  it('accepts a multipart webm/opus recording (duration measured by decoding)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-voice-'));
    try {
      const file = join(dir, 'q.webm');
      execFileSync('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=300:duration=1',
        '-c:a',
        'libopus',
        file,
      ]);
      const webm = readFileSync(file);
      const boundary = '----sentinel-test';
      const payload = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="q.webm"\r\nContent-Type: audio/webm\r\n\r\n`,
        ),
        webm,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await app.inject({
        method: 'POST',
        url: '/voice',
        headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().speech, null);
      assert.deepEqual(double.transcriptions.at(-1), {
        model: 'whisper-test',
        filename: 'speech.webm',
        bytes: webm.length,
        contentType: 'audio/webm',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('enforces duration, size and format limits', async () => {
    const post = (payload: Buffer, type = 'audio/wav') =>
      app.inject({ method: 'POST', url: '/voice', headers: { ...auth(), 'content-type': type }, payload });
    const long = await post(wav(3));
    assert.equal(long.statusCode, 413);
    assert.match(long.json().error.message, /3\.0 s long; the limit is 2 s/);
    const big = await post(Buffer.alloc(300_000, 1));
    assert.equal(big.statusCode, 413);
    const junk = await post(Buffer.from('definitely not audio'), 'audio/webm');
    assert.equal(junk.statusCode, 415);
    const corrupt = await post(
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(100, 7)]),
      'audio/webm',
    );
    assert.equal(corrupt.statusCode, 400);
    const empty = await app.inject({
      method: 'POST',
      url: '/voice',
      headers: { ...auth(), 'content-type': 'audio/wav' },
    });
    assert.equal(empty.statusCode, 400);
  });

  it('answers 503 with what to configure when there is no transcription endpoint', async () => {
    const res = await noVoice.inject({
      method: 'POST',
      url: '/voice',
      headers: { ...auth(), 'content-type': 'audio/wav' },
      payload: wav(1),
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'unavailable');
    assert.match(res.json().error.message, /ASSISTANT_TRANSCRIBE_MODEL/);
  });
});

describe('ops routes', () => {
  it('serves /healthz, /readyz and /metrics without auth', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual(ready.json(), { ok: true, checks: { postgres: 'ok' } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(
      metrics.body,
      /assistant_queries_total\{route="query",mode="planner",result="ok"[^}]*\} [1-9]/,
    );
    assert.match(
      metrics.body,
      /assistant_queries_total\{route="voice",mode="planner",result="ok"[^}]*\} [1-9]/,
    );
  });
});
