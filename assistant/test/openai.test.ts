import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LlmAgent } from '../src/agent/llm-agent.ts';
import { Answerer } from '../src/answer/answerer.ts';
import { OpenAIEmbedder } from '../src/embeddings/openai-embedder.ts';
import { Planner } from '../src/planner/planner.ts';
import { SpeechClient } from '../src/voice/speech-client.ts';
import { type ChatRequest, startOpenAIDouble } from './doubles/openai-double.ts';
import { type Fixture, logger, scenarioFixture } from './fixture.ts';
import { wav } from './wav.ts';

let fx: Fixture;
before(async () => {
  fx = await scenarioFixture();
});
after(() => fx.close());

const toolMessages = (req: ChatRequest | undefined) => (req?.messages ?? []).filter((m) => m.role === 'tool');

describe('LLM agent over an OpenAI-compatible chat endpoint', () => {
  it('runs a full tool-call round trip on real data and cites the events it names', async () => {
    const dock = fx.cameraId('dock');
    const double = await startOpenAIDouble({
      chat: (req, n) => {
        if (n === 1)
          return {
            toolCalls: [
              {
                id: 'call_1',
                name: 'count_detections',
                arguments: {
                  labels: ['person'],
                  camera: 'Dock',
                  from: '2026-11-19T00:00:00Z',
                  to: '2026-11-20T00:00:00Z',
                },
              },
            ],
          };
        const result = JSON.parse(toolMessages(req)[0]?.content ?? '{}') as { objects: number };
        return {
          content: `The Dock camera saw ${result.objects} people yesterday, e.g. [track:${dock}:d4].`,
        };
      },
    });
    try {
      const agent = new LlmAgent(fx.ctx, {
        baseURL: double.url,
        apiKey: 'sk-test',
        model: 'gpt-test',
        maxRounds: 4,
        logger,
      });
      const r = await agent.answer('How many people were on the dock yesterday?', fx.now);
      assert.equal(r.answer, `The Dock camera saw 4 people yesterday, e.g. [track:${dock}:d4].`);
      assert.deepEqual(
        r.citations.map((c) => `${c.type}:${c.id}`),
        [`track:${dock}:d4`],
      );
      assert.equal(r.citations[0]?.time, '2026-11-19T22:14:05.000Z');
      assert.deepEqual(r.toolCalls, [{ name: 'count_detections', ok: true }]);
      // What went over the wire: tools offered as JSON schemas, then the tool result sent back.
      const [first, second] = double.chatRequests;
      assert.equal(first?.model, 'gpt-test');
      assert.equal(first?.tool_choice, 'required');
      assert.equal(second?.tool_choice, 'auto');
      assert.deepEqual(first?.tools?.map((t) => t.function.name).sort(), [
        'camera_status',
        'count_detections',
        'list_alerts',
        'list_tracks',
        'search_events',
      ]);
      const countSchema = first?.tools?.find((t) => t.function.name === 'count_detections')?.function
        .parameters as {
        required?: string[];
      };
      assert.deepEqual(countSchema.required?.sort(), ['from', 'to']);
      assert.match(first?.messages[0]?.content ?? '', /Dock/);
      const tool = toolMessages(second)[0];
      assert.equal(tool?.tool_call_id, 'call_1');
      const data = JSON.parse(tool?.content ?? '{}');
      assert.equal(data.objects, 4);
      assert.equal(data.detections, 15);
      assert.ok(double.authHeaders.every((h) => h === 'Bearer sk-test'));
    } finally {
      await double.close();
    }
  });

  it('returns tool errors to the model instead of failing, and falls back to the planner when the endpoint is down', async () => {
    const double = await startOpenAIDouble({
      chat: (_req, n) =>
        n === 1
          ? { toolCalls: [{ id: 'c1', name: 'list_alerts', arguments: { cameras: ['Garage'] } }] }
          : { content: 'There is no camera called Garage.' },
    });
    try {
      const agent = new LlmAgent(fx.ctx, { baseURL: double.url, model: 'm', maxRounds: 3, logger });
      const r = await agent.answer('alerts on the garage?', fx.now);
      assert.equal(r.answer, 'There is no camera called Garage.');
      assert.deepEqual(r.citations, []);
      assert.match(toolMessages(double.chatRequests[1])[0]?.content ?? '', /unknown camera\(s\): Garage/);
    } finally {
      await double.close();
    }
    const down = new LlmAgent(fx.ctx, { baseURL: 'http://127.0.0.1:9/v1', model: 'm', maxRounds: 2, logger });
    const answerer = new Answerer(new Planner(fx.ctx), down, logger);
    const r = await answerer.answer('How many trucks today?', fx.now);
    assert.equal(r.mode, 'planner');
    assert.match(r.answer, /^2 trucks seen today/);
  });
});

describe('OpenAI-compatible embeddings and audio', () => {
  it('requests float embeddings and keeps input order', async () => {
    const double = await startOpenAIDouble({ embeddingDim: 6 });
    try {
      const e = new OpenAIEmbedder({ baseURL: double.url, model: 'text-embedding-test', batchSize: 2 });
      const vs = await e.embed(['alpha', 'beta', 'gamma']);
      assert.equal(vs.length, 3);
      assert.equal(double.embeddingRequests.length, 2);
      assert.deepEqual(double.embeddingRequests[0], {
        model: 'text-embedding-test',
        input: ['alpha', 'beta'],
        encoding_format: 'float',
      });
      const [single] = await e.embed(['beta']);
      assert.deepEqual(vs[1], single);
      assert.notDeepEqual(vs[0], vs[1]);
      assert.equal(e.name, 'openai-text-embedding-test');
    } finally {
      await double.close();
    }
  });

  it('transcribes an upload and synthesises speech', async () => {
    const double = await startOpenAIDouble({ transcript: ' How many trucks today? ' });
    try {
      const s = new SpeechClient({
        baseURL: double.url,
        transcribeModel: 'whisper-test',
        speechModel: 'tts-test',
        voice: 'alloy',
      });
      const audio = wav(1);
      assert.equal(await s.transcribe(audio, 'wav'), 'How many trucks today?');
      assert.deepEqual(double.transcriptions, [
        { model: 'whisper-test', filename: 'speech.wav', bytes: audio.length, contentType: 'audio/wav' },
      ]);
      const speech = await s.speak('2 trucks seen today.');
      assert.equal(speech.contentType, 'audio/mpeg');
      assert.deepEqual(
        Buffer.from(speech.base64, 'base64'),
        Buffer.from([0xff, 0xfb, 0x90, 0x44, 0x00, 0x00]),
      );
      assert.deepEqual(double.speechRequests, [
        { model: 'tts-test', input: '2 trucks seen today.', voice: 'alloy', response_format: 'mp3' },
      ]);
    } finally {
      await double.close();
    }
  });
});
