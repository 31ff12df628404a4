import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, createLogger, repoRoot } from '@sentinel/common';
import { createTestDatabase, uniqueId } from '@sentinel/common/testing/index';
import { runEvaluation } from './evaluate.ts';

/** `npm run eval:assistant -w assistant`: golden-set evaluation of the offline planner (see README.md). */
const started = Date.now();
const say = (s: string) => process.stderr.write(`[eval] ${s}\n`);
say('creating a test database');
const db = await createTestDatabase();
const nc = await connectNats(
  process.env.NATS_URL ?? 'nats://127.0.0.1:4422',
  'assistant-eval',
  createLogger('assistant-eval', 'warn'),
);
let exitCode = 0;
try {
  const report = await runEvaluation({ databaseUrl: db.url, nc, prefix: uniqueId('ev'), log: say });
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log('\nAssistant evaluation (offline planner, LanceDB + local embedder)');
  console.log('─'.repeat(100));
  console.log(
    `${'question'.padEnd(36)} ${'intent'.padEnd(14)} ${'exact'.padEnd(6)} ${'recall@5'.padEnd(9)} ${'text-only'.padEnd(9)} ms`,
  );
  for (const r of report.results)
    console.log(
      `${r.id.padEnd(36)} ${r.intentParsed.padEnd(14)} ${(r.exact ? 'yes' : 'NO').padEnd(6)} ${(r.recallAt5 === null ? '-' : r.recallAt5.toFixed(2)).padEnd(9)} ${(r.recallAt5TextOnly === null ? '-' : r.recallAt5TextOnly.toFixed(2)).padEnd(9)} ${r.ms}`,
    );
  console.log('─'.repeat(100));
  console.log(`questions          ${report.questions}`);
  console.log(`documents indexed  ${report.documents}`);
  console.log(`answer exactness   ${pct(report.exactness)}`);
  console.log(`intent accuracy    ${pct(report.intentAccuracy)}`);
  console.log(
    `recall@5           ${pct(report.recallAt5)} over ${report.recallQuestions} questions (with the planner's filters)`,
  );
  console.log(
    `recall@5 text-only ${pct(report.recallAt5TextOnly)} (hybrid search on the question alone, no filters)`,
  );
  for (const r of report.results.filter((x) => !x.exact))
    console.log(`  ✗ ${r.id}: ${r.failures.join('; ')}\n    answer: ${r.answer}`);
  const dir = join(repoRoot(), 'tests/bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `assistant-eval-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), durationMs: Date.now() - started, ...report }, null, 2),
  );
  console.log(`\nresults written to ${file}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await nc.drain();
  await db.drop();
}
process.exit(exitCode);
