import { type ChildProcess } from 'node:child_process';
/** One child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL after a grace period. */
export declare class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  exitCode: number | null;
  readonly exited: Promise<void>;
  constructor(
    name: string,
    command: string,
    args: string[],
    opts: {
      cwd: string;
      env: NodeJS.ProcessEnv;
      logFile: string;
      onExit?: (p: ManagedProcess, code: number | null) => void;
    },
  );
  get running(): boolean;
  stop(graceMs?: number): Promise<void>;
  /** Simulate a crash (fault tests). */
  kill9(): Promise<void>;
}
