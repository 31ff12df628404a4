import type { Logger } from 'pino';

type Step = { name: string; run: () => Promise<unknown> | unknown };

/**
 * Graceful shutdown: on SIGTERM/SIGINT run the registered steps in reverse order of registration
 * (last started, first stopped), each bounded by a timeout, then exit.
 */
export class Shutdown {
  private readonly steps: Step[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Register a cleanup step. */
  add(name: string, run: Step['run']): this {
    this.steps.push({ name, run });
    return this;
  }

  /** Install signal handlers that call run() and exit the process. */
  installSignalHandlers(): this {
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info({ signal }, 'shutting down');
      void this.run().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return this;
  }

  /** Run every step once (idempotent). */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        const started = Date.now();
        try {
          await Promise.race([
            Promise.resolve(step.run()),
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('timed out')), this.timeoutMs).unref(),
            ),
          ]);
          this.logger.info({ step: step.name, ms: Date.now() - started }, 'stopped');
        } catch (err) {
          this.logger.error({ step: step.name, err }, 'shutdown step failed');
        }
      }
    })();
    return this.running;
  }
}
