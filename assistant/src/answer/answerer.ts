import type { Logger } from '@sentinel/common';
import type { AssistantQueryResponse } from '@sentinel/common/api/assistant';
import type { LlmAgent } from '../agent/llm-agent.ts';
import type { Planner } from '../planner/planner.ts';

/**
 * One answering path for /query and /voice: the LLM agent when a chat endpoint is configured (falling
 * back to the offline planner when the endpoint fails), else the planner.
 */
export class Answerer {
  constructor(
    private readonly planner: Planner,
    private readonly agent: LlmAgent | undefined,
    private readonly logger: Logger,
  ) {}

  get mode(): 'agent' | 'planner' {
    return this.agent ? 'agent' : 'planner';
  }

  async answer(question: string, nowMs = Date.now()): Promise<AssistantQueryResponse> {
    if (this.agent) {
      try {
        const r = await this.agent.answer(question, nowMs);
        return { answer: r.answer, citations: r.citations, mode: 'agent' };
      } catch (err) {
        this.logger.warn({ err }, 'LLM agent failed; answering with the offline planner');
      }
    }
    const r = await this.planner.answer(question, nowMs);
    return { answer: r.answer, citations: r.citations, mode: 'planner' };
  }
}
