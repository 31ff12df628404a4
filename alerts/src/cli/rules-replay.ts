import { parseArgs } from 'node:util';
import { createPool, loadConfig } from '@sentinel/common';
import { replayRule } from '@sentinel/common/rules/replay';
import { loadRuleEntries } from '@sentinel/common/rules/rule-store';

/** npm run rules:replay -w alerts -- --rule ID --from ISO --to ISO [--camera ID] [--json] */
const usage =
  'usage: npm run rules:replay -w alerts -- --rule <id> --from <ISO time> --to <ISO time> [--camera <id>] [--json]';
const { values } = parseArgs({
  options: {
    rule: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    camera: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  },
});
const fail = (msg: string): never => {
  process.stderr.write(`${msg}\n${usage}\n`);
  process.exit(2);
};
if (!values.rule) fail('--rule is required');
const from = Date.parse(values.from ?? '');
const to = Date.parse(values.to ?? new Date().toISOString());
if (Number.isNaN(from)) fail('--from must be an ISO time, e.g. 2026-01-05T00:00:00Z');
if (Number.isNaN(to) || to <= from) fail('--to must be an ISO time after --from');

const pool = createPool(loadConfig().DATABASE_URL, { max: 2 });
try {
  const { entries, invalid } = await loadRuleEntries(pool, [values.rule!]);
  if (invalid.length) fail(`rule ${values.rule} is invalid: ${invalid[0]!.error}`);
  const entry = entries[0] ?? fail(`rule '${values.rule}' not found`);
  const result = await replayRule(pool, entry, {
    from,
    to,
    ...(values.camera ? { cameraIds: values.camera } : {}),
    onProgress: (p) => process.stderr.write(`  ${p.cameraId}: ${p.rows} detections, ${p.frames} frames\r`),
  });
  process.stderr.write('\n');
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const iso = (t: number) => new Date(t).toISOString();
    process.stdout.write(
      `rule ${result.ruleId} over ${iso(from)} .. ${iso(to)}: ${result.frames} frames, ${result.detections} detections\n`,
    );
    for (const o of result.outputs) {
      if (o.type === 'open')
        process.stdout.write(
          `${iso(o.capturedAt)}  WOULD FIRE  ${o.cameraId}  ${o.message}  (track ${o.trackId ?? '-'})\n`,
        );
      else if (o.type === 'update')
        process.stdout.write(`${iso(o.capturedAt)}  joins      ${o.cameraId}  track ${o.trackId}\n`);
      else if (o.type === 'resolve')
        process.stdout.write(`${iso(o.at)}  resolves   ${o.cameraId}  (${o.reason})\n`);
      else
        process.stdout.write(
          `${iso(o.capturedAt)}  suppressed ${o.cameraId}  ${o.reason} (track ${o.trackId ?? '-'})\n`,
        );
    }
    const s = result.summary;
    process.stdout.write(
      `summary: ${s.opened} alert(s) would open, ${s.updated} update(s), ${s.resolved} resolve(s), suppressed ${JSON.stringify(s.suppressed)}\n`,
    );
  }
} finally {
  await pool.end();
}
