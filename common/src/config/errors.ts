import type { z } from 'zod';

/** Thrown when environment variables do not validate; message lists every bad variable on its own line. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatZodIssues(error: z.ZodError, source: Record<string, unknown> = {}): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.') || '(root)';
    const key = String(issue.path[0] ?? '');
    const got = key in source ? ` (got ${JSON.stringify(source[key])})` : '';
    return `${path}: ${issue.message}${got}`;
  });
}
