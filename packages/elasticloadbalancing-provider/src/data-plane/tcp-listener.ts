import net from 'node:net';

/** Where a new connection goes: a healthy target, or undefined to refuse it. */
export type PickTarget = () => { host: string; port: number } | undefined;

/**
 * An NLB TCP (or TLS, served as TCP) listener: each connection is spliced to one healthy target with
 * `stream.pipe` both ways; a connection with no healthy target, or whose target refuses, is reset, as an
 * NLB resets it.
 */
export class TcpListener {
  readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(pick: PickTarget) {
    this.server = net.createServer((client) => {
      this.track(client);
      const target = pick();
      if (!target) {
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect({ host: target.host, port: target.port });
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.on('error', () => client.resetAndDestroy());
      client.on('error', () => upstream.destroy());
    });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
