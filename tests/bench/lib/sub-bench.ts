import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const RESULTS = join(ROOT, 'tests/bench/results');

/** Run a workspace npm script, streaming its progress lines with a prefix. Rejects on a non-zero exit. */
export function runScript(workspace: string, script: string, args: string[], prefix: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', ['run', '-s', '-w', workspace, script, '--', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (buf: Buffer) => {
      for (const line of buf.toString().split('\n'))
        if (line.trim() && !line.startsWith('npm warn')) process.stderr.write(`  [${prefix}] ${line}\n`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${workspace} ${script} exited with ${code}`)),
    );
  });
}

/** The newest results file whose name starts with `prefix` and ends with .json. */
export function newestResult(prefix: string): unknown {
  const files = readdirSync(RESULTS)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => ({ f, t: statSync(join(RESULTS, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  if (!files[0]) throw new Error(`no ${prefix}*.json in ${RESULTS}`);
  return JSON.parse(readFileSync(join(RESULTS, files[0].f), 'utf8'));
}
