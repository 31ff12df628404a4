import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** One child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL after a grace period. */
export class ManagedProcess {
  readonly child: ChildProcess;
  exitCode: number | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: {
      cwd: string;
      env: NodeJS.ProcessEnv;
      logFile: string;
      onExit?: (p: ManagedProcess, code: number | null) => void;
    },
  ) {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    this.child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = once(this.child, 'exit').then(([code]) => {
      this.exitCode = code as number | null;
      opts.onExit?.(this, this.exitCode);
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Simulate a crash (fault tests). */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
