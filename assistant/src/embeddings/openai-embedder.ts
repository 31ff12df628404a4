import OpenAI from 'openai';
import type { Embedder } from './embedder.ts';

/** Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (float encoding). */
export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(opts: {
    baseURL: string;
    apiKey?: string;
    model: string;
    timeoutMs?: number;
    batchSize?: number;
  }) {
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey ?? 'not-needed',
      timeout: opts.timeoutMs ?? 30_000,
      maxRetries: 2,
    });
    this.model = opts.model;
    this.batchSize = opts.batchSize ?? 64;
    this.name = `openai-${opts.model.replace(/[^A-Za-z0-9]+/g, '-')}`;
  }

  private readonly model: string;
  private readonly batchSize: number;

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const input = texts.slice(i, i + this.batchSize);
      const res = await this.client.embeddings.create({ model: this.model, input, encoding_format: 'float' });
      const sorted = [...res.data].sort((a, b) => a.index - b.index);
      if (sorted.length !== input.length)
        throw new Error(`embedding endpoint returned ${sorted.length} vectors for ${input.length} inputs`);
      for (const d of sorted) out.push(d.embedding as number[]);
    }
    return out;
  }
}
