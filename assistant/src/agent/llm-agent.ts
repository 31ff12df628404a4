import type { Logger } from '@sentinel/common';
import type { AssistantCitation } from '@sentinel/common/api/assistant';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { dedupeCitations } from '../citations/citations.ts';
import { formatDateTime } from '../events/format-time.ts';
import type { ToolContext } from '../tools/context.ts';
import { type ToolName, tools } from '../tools/tools.ts';

export type AgentAnswer = {
  answer: string;
  citations: AssistantCitation[];
  toolCalls: { name: string; ok: boolean }[];
};

/** Tool definitions in the OpenAI function-calling format (JSON Schema from the zod inputs). */
export function toolDefinitions(): ChatCompletionTool[] {
  return Object.entries(tools).map(([name, t]) => ({
    type: 'function',
    function: {
      name,
      description: t.description,
      parameters: z.toJSONSchema(t.input, { io: 'input' }) as Record<string, unknown>,
    },
  }));
}

/**
 * LLM agent over an OpenAI-compatible chat endpoint with tool calling. The model may call the
 * tools for several rounds; every tool input is validated with zod and errors go back to the model
 * as tool results. The first round requires a tool call, so answers always rest on tool data; the
 * answer cites the events the model names (or, when it names none, every event the tools returned).
 */
export class LlmAgent {
  private readonly client: OpenAI;

  constructor(
    private readonly ctx: ToolContext,
    private readonly opts: {
      baseURL: string;
      apiKey?: string;
      model: string;
      maxRounds: number;
      logger: Logger;
    },
  ) {
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey ?? 'not-needed',
      timeout: 60_000,
      maxRetries: 1,
    });
  }

  private async systemPrompt(nowMs: number): Promise<string> {
    const [cameras, zones] = await Promise.all([this.ctx.catalog.cameras(), this.ctx.catalog.zones()]);
    const tz = this.ctx.timeZone;
    return [
      'You are the Sentinel video-surveillance assistant. Answer operator questions ONLY from tool results.',
      'Never invent events, counts, times or ids. If the tools return nothing relevant, say that nothing was found.',
      'Sentinel records object classes (COCO labels such as person, car, truck), cameras, zones, times, alerts and camera status; it does not know colours, identities, clothing or licence plates: say so when asked.',
      'Cite the events you used by their ref in square brackets, e.g. [alert:123] or [track:dock:7].',
      `Current time: ${new Date(nowMs).toISOString()} (${formatDateTime(nowMs, tz)} ${tz}). Give times in ${tz}. Tool times are ISO 8601.`,
      `Cameras (id: name): ${cameras.map((c) => `${c.id}: ${c.name}`).join('; ') || 'none'}.`,
      `Zones (id: name @ camera): ${zones.map((z) => `${z.id}: ${z.name} @ ${z.cameraId}`).join('; ') || 'none'}.`,
    ].join('\n');
  }

  async answer(question: string, nowMs = Date.now()): Promise<AgentAnswer> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: await this.systemPrompt(nowMs) },
      { role: 'user', content: question },
    ];
    const citations: AssistantCitation[] = [];
    const toolCalls: AgentAnswer['toolCalls'] = [];
    const defs = toolDefinitions();
    for (let round = 0; round <= this.opts.maxRounds; round++) {
      const lastRound = round === this.opts.maxRounds;
      const res = await this.client.chat.completions.create({
        model: this.opts.model,
        messages,
        // The first round must look at the data (no answer from the model's own knowledge).
        ...(lastRound
          ? {}
          : { tools: defs, tool_choice: round === 0 ? ('required' as const) : ('auto' as const) }),
        temperature: 0,
      });
      const msg = res.choices[0]?.message;
      if (!msg) throw new Error('chat endpoint returned no choices');
      const calls = (msg.tool_calls ?? []).filter((c) => c.type === 'function');
      if (calls.length === 0 || lastRound) {
        const text = (msg.content ?? '').trim();
        const referenced = citations.filter((c) => text.includes(`${c.type}:${c.id}`) || text.includes(c.id));
        if (citations.length === 0 && toolCalls.length === 0)
          return {
            answer: text || 'I found nothing in the recorded data to answer that.',
            citations: [],
            toolCalls,
          };
        return {
          answer: text,
          citations: dedupeCitations(referenced.length ? referenced : citations).slice(0, 20),
          toolCalls,
        };
      }
      messages.push({ role: 'assistant', content: msg.content ?? null, tool_calls: calls });
      for (const call of calls) {
        const name = call.function.name as ToolName;
        const tool = tools[name];
        let content: string;
        let ok = false;
        try {
          if (!tool) throw new Error(`unknown tool ${call.function.name}`);
          const args = JSON.parse(call.function.arguments || '{}');
          const parsed = tool.input.safeParse(args);
          if (!parsed.success) throw new Error(`invalid arguments: ${z.prettifyError(parsed.error)}`);
          const run = tool.run as unknown as (
            ctx: ToolContext,
            input: unknown,
          ) => Promise<{ data: unknown; citations: AssistantCitation[] }>;
          const result = await run(this.ctx, parsed.data);
          citations.push(...result.citations);
          content = JSON.stringify(result.data);
          ok = true;
        } catch (err) {
          content = JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
          this.opts.logger.debug({ tool: call.function.name, err }, 'tool call failed');
        }
        toolCalls.push({ name: call.function.name, ok });
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    throw new Error('agent loop ended without an answer');
  }
}
