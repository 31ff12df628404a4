import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** Start the test RTSP server (fixtures/rtsp_server.py); resolves with its base URL. */
export async function startRtspServer(): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    '/usr/bin/python3',
    [resolve(import.meta.dirname, 'fixtures/rtsp_server.py')],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const port = await new Promise<number>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`rtsp server did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(t);
        ok(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      fail(new Error(`rtsp server exited (${code}): ${stderr}`));
    });
  });
  return {
    port,
    url: `rtsp://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        const k = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(k);
          ok();
        });
        child.kill('SIGTERM');
      }),
  };
}
