import net from 'node:net';

/** A TCP forwarder on 127.0.0.1 that tests can cut and restore to simulate a dependency outage. */
export async function startTcpProxy(targetPort: number) {
  const conns = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((ok) => {
      server = net.createServer((c) => {
        const up = net.connect(targetPort, '127.0.0.1');
        conns.add(c);
        conns.add(up);
        c.pipe(up).pipe(c);
        const drop = () => {
          c.destroy();
          up.destroy();
          conns.delete(c);
          conns.delete(up);
        };
        c.on('error', drop).on('close', drop);
        up.on('error', drop).on('close', drop);
      });
      const srv = server;
      srv.listen(port, '127.0.0.1', () => {
        port = (srv.address() as net.AddressInfo).port;
        ok();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** Refuse new connections and cut the open ones. */
    cut: async () => {
      const closing = new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
      for (const c of conns) c.destroy();
      conns.clear();
      await closing;
      server = null;
    },
    restore: () => listen(),
    close: async () => {
      const closing = new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
      for (const c of conns) c.destroy();
      await closing;
    },
  };
}
