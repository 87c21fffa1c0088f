// A TCP proxy in front of PostgreSQL that a test can cut and restore: a database outage without stopping the
// shared server other tests use. hang() is the other outage: connections are accepted and bytes are taken, but
// nothing ever comes back (a frozen server, a black-holed network).
import net from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  hang(): void;
  /** New connections reach the server again; the ones that went silent stay silent (a peer that vanished). */
  heal(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let hung = false;
  let server: net.Server;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = net.createServer((client) => {
        sockets.add(client);
        client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
        if (hung) {
          client.resume();
          return;
        }
        const upstream = net.connect(targetPort, targetHost);
        sockets.add(upstream);
        const pair = { client, upstream };
        pairs.add(pair);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
          pairs.delete(pair);
        };
        client.on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      hung = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
      pairs.clear();
      server.close(() => resolve());
    });
  return {
    port,
    cut: stop,
    hang() {
      hung = true;
      // Open connections go silent: what the client sends is swallowed, the server's answers never arrive.
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.on('data', () => {});
        upstream.pause();
      }
    },
    heal() {
      hung = false;
    },
    restore: async () => {
      await listen(port);
    },
    close: stop,
  };
}
