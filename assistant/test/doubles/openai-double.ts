import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';

export type ChatRequest = {
  model: string;
  messages: { role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; parameters: Record<string, unknown> } }[];
  tool_choice?: string;
};
export type ChatReply = {
  content?: string | null;
  toolCalls?: { id: string; name: string; arguments: Record<string, unknown> }[];
};

/**
 * An HTTP double of the OpenAI API endpoints the assistant calls: /v1/chat/completions (replies
 * scripted per request, tool calls included), /v1/embeddings (deterministic float vectors),
 * /v1/audio/transcriptions (multipart upload, scripted text) and /v1/audio/speech (MP3 bytes).
 * Every request body is recorded for assertions.
 */
export async function startOpenAIDouble(opts: {
  chat?: (req: ChatRequest, n: number) => ChatReply;
  transcript?: string;
  embeddingDim?: number;
}): Promise<{
  url: string;
  app: FastifyInstance;
  chatRequests: ChatRequest[];
  embeddingRequests: { model: string; input: string[]; encoding_format?: string }[];
  transcriptions: { model: string; filename: string; bytes: number; contentType: string }[];
  speechRequests: { model: string; input: string; voice: string }[];
  authHeaders: string[];
  close: () => Promise<void>;
}> {
  const chatRequests: ChatRequest[] = [];
  const embeddingRequests: { model: string; input: string[]; encoding_format?: string }[] = [];
  const transcriptions: { model: string; filename: string; bytes: number; contentType: string }[] = [];
  const speechRequests: { model: string; input: string; voice: string }[] = [];
  const authHeaders: string[] = [];
  const app = Fastify({ bodyLimit: 50 * 1024 * 1024 });
  await app.register(multipart);
  app.addHook('onRequest', async (req) => {
    authHeaders.push(String(req.headers.authorization ?? ''));
  });
  app.post('/v1/chat/completions', async (req) => {
    const body = req.body as ChatRequest;
    chatRequests.push(body);
    const r = opts.chat ? opts.chat(body, chatRequests.length) : { content: 'ok' };
    const toolCalls = r.toolCalls?.map((t) => ({
      id: t.id,
      type: 'function',
      function: { name: t.name, arguments: JSON.stringify(t.arguments) },
    }));
    return {
      id: `chatcmpl-${chatRequests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: r.content ?? null,
            ...(toolCalls ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: toolCalls ? 'tool_calls' : 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    };
  });
  app.post('/v1/embeddings', async (req) => {
    const body = req.body as { model: string; input: string | string[]; encoding_format?: string };
    const input = Array.isArray(body.input) ? body.input : [body.input];
    embeddingRequests.push({
      model: body.model,
      input,
      ...(body.encoding_format ? { encoding_format: body.encoding_format } : {}),
    });
    const dim = opts.embeddingDim ?? 8;
    const vec = (s: string) => {
      const v = Array.from({ length: dim }, (_, i) => ((s.charCodeAt(i % s.length) || 1) * (i + 1)) % 17);
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    };
    // Returned in reverse order on purpose: clients must sort by index.
    const data = input.map((s, index) => ({ object: 'embedding', index, embedding: vec(s) })).reverse();
    return { object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } };
  });
  app.post('/v1/audio/transcriptions', async (req, reply) => {
    let model = '';
    let file: { filename: string; bytes: number; contentType: string } | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file')
        file = { filename: part.filename, bytes: (await part.toBuffer()).length, contentType: part.mimetype };
      else if (part.fieldname === 'model') model = String(part.value);
    }
    if (!file || !model)
      return reply
        .code(400)
        .send({ error: { message: 'file and model are required', type: 'invalid_request_error' } });
    transcriptions.push({ model, ...file });
    return { text: opts.transcript ?? '' };
  });
  app.post('/v1/audio/speech', async (req, reply) => {
    const body = req.body as { model: string; input: string; voice: string };
    speechRequests.push(body);
    return reply.header('content-type', 'audio/mpeg').send(Buffer.from([0xff, 0xfb, 0x90, 0x44, 0x00, 0x00]));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/v1`,
    app,
    chatRequests,
    embeddingRequests,
    transcriptions,
    speechRequests,
    authHeaders,
    close: () => app.close(),
  };
}
