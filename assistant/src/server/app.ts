import multipart from '@fastify/multipart';
import { type Logger, type ReadinessCheck, registerOpsRoutes } from '@sentinel/common';
import {
  type AssistantVoiceResponse,
  assistantQueryRequestSchema,
  assistantVoiceOptionsSchema,
} from '@sentinel/common/api/assistant';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { ZodError } from 'zod';
import type { Answerer } from '../answer/answerer.ts';
import { AudioError, checkAudio } from '../voice/audio-check.ts';
import type { SpeechClient } from '../voice/speech-client.ts';
import { authHook } from './auth.ts';
import { createServerMetrics } from './metrics.ts';

export type AppOptions = {
  answerer: Answerer;
  speech: SpeechClient | undefined;
  logger: Logger;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  /** JWT secret; undefined disables auth (tests of the planner path only). */
  jwtSecret: Uint8Array | undefined;
  voice: { maxBytes: number; maxSeconds: number };
  /** Fixed clock for evaluations and tests. */
  now?: () => number;
};

const RAW_AUDIO_TYPES = [
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/webm',
  'audio/ogg',
  'application/octet-stream',
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The assistant's HTTP API: POST /query, POST /voice, and /healthz /readyz /metrics. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 64 * 1024,
  });
  const now = opts.now ?? Date.now;
  const metrics = createServerMetrics(opts.registry);
  registerOpsRoutes(app, { registry: opts.registry, checks: opts.checks });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ZodError)
      return reply.code(400).send({
        error: {
          code: 'validation_failed',
          message: 'request body is invalid',
          details: err.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message })),
        },
      });
    if (err instanceof AudioError)
      return reply.code(err.status).send({
        error: { code: err.status === 413 ? 'payload_too_large' : 'bad_request', message: err.message },
      });
    if (err instanceof HttpError)
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    const e = err as { statusCode?: number; code?: string; message: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.code === 'FST_REQ_FILE_TOO_LARGE')
      return reply.code(413).send({
        error: { code: 'payload_too_large', message: `upload is larger than ${opts.voice.maxBytes} bytes` },
      });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: { code: 'bad_request', message: e.message } });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'the assistant failed to answer' } });
  });

  await app.register(async (api) => {
    if (opts.jwtSecret) api.addHook('preHandler', authHook(opts.jwtSecret));
    await api.register(multipart, { limits: { fileSize: opts.voice.maxBytes, files: 1, fields: 5 } });
    api.addContentTypeParser(
      RAW_AUDIO_TYPES,
      { parseAs: 'buffer', bodyLimit: opts.voice.maxBytes },
      (_req, body, done) => done(null, body),
    );

    api.post('/query', async (req) => {
      const { question } = assistantQueryRequestSchema.parse(req.body);
      const t0 = performance.now();
      const end = () => metrics.duration.observe({ route: 'query' }, performance.now() - t0);
      try {
        const r = await opts.answerer.answer(question, now());
        metrics.queries.inc({ route: 'query', mode: r.mode, result: 'ok' });
        return r;
      } catch (err) {
        metrics.queries.inc({ route: 'query', mode: opts.answerer.mode, result: 'error' });
        throw err;
      } finally {
        end();
      }
    });

    api.post('/voice', async (req): Promise<AssistantVoiceResponse> => {
      if (!opts.speech)
        throw new HttpError(
          503,
          'unavailable',
          'voice questions need a transcription endpoint: set ASSISTANT_OPENAI_BASE_URL (or ASSISTANT_AUDIO_BASE_URL) and ASSISTANT_TRANSCRIBE_MODEL',
        );
      let audio: Buffer | undefined;
      let speakField: string | undefined;
      if (req.isMultipart()) {
        for await (const part of req.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'audio')
              throw new HttpError(
                400,
                'bad_request',
                `unexpected file field '${part.fieldname}' (use 'audio')`,
              );
            audio = await part.toBuffer();
          } else if (part.fieldname === 'speak') speakField = String(part.value);
        }
      } else if (Buffer.isBuffer(req.body)) audio = req.body;
      if (!audio)
        throw new HttpError(
          400,
          'bad_request',
          "send the recording as multipart field 'audio' or as a raw audio/webm, audio/ogg or audio/wav body",
        );
      const { speak } = assistantVoiceOptionsSchema.parse({
        speak: speakField ?? (req.query as Record<string, string>)?.speak,
      });
      const { format } = await checkAudio(audio, opts.voice);
      const t0 = performance.now();
      const end = () => metrics.duration.observe({ route: 'voice' }, performance.now() - t0);
      try {
        const transcript = await opts.speech.transcribe(audio, format).catch((err) => {
          req.log.warn({ err }, 'transcription failed');
          throw new HttpError(502, 'bad_gateway', 'the transcription endpoint failed');
        });
        if (!transcript) throw new HttpError(422, 'bad_request', 'no speech was recognised in the recording');
        const r = await opts.answerer.answer(transcript.slice(0, 1000), now());
        let speech: AssistantVoiceResponse['speech'] = null;
        if (speak && opts.speech.canSpeak)
          speech = await opts.speech.speak(r.answer).catch((err) => {
            req.log.warn({ err }, 'speech synthesis failed; replying with text only');
            return null;
          });
        metrics.queries.inc({ route: 'voice', mode: r.mode, result: 'ok' });
        return { ...r, transcript, speech };
      } catch (err) {
        metrics.queries.inc({ route: 'voice', mode: opts.answerer.mode, result: 'error' });
        throw err;
      } finally {
        end();
      }
    });
  });
  return app;
}
