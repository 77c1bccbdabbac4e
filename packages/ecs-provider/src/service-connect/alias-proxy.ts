import net from 'node:net';
import type { Logger } from 'winston';
import { HostRouter, type HostRoutes } from './host-router';

/** A task endpoint a client alias leads to. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** One listener: `host:port`, forwarding each connection to one of `targets`, round robin. */
export interface ProxySpec {
  readonly host: string;
  readonly port: number;
  readonly targets: readonly Endpoint[];
  /** Set when the port's aliases are all HTTP: each request goes by its Host header (`targets` unused). */
  readonly routes?: HostRoutes;
}

const key = (host: string, port: number) => `${host}:${port}`;

interface Listener {
  readonly server: net.Server;
  targets: readonly Endpoint[];
  next: number;
  readonly sockets: Set<net.Socket>;
  router?: HostRouter;
}

/**
 * The TCP proxies for client aliases whose port differs from the server's container port (what ECS's
 * Envoy sidecar does for a client): one listener per alias address and port, each connection piped to
 * the next live task endpoint, round robin; a target that refuses is skipped for the next one. TCP, so
 * HTTP, gRPC and anything else pass through untouched; except on a port several HTTP aliases share, whose
 * connections go to a `HostRouter` (by Host header). `sync` is given the whole wanted set each time.
 */
export class AliasProxies {
  private readonly listeners = new Map<string, Listener>();
  /** Listeners that could not bind, so a failure is logged once, not on every sync. */
  private readonly failed = new Set<string>();

  constructor(private readonly logger: Logger) {}

  sync(specs: readonly ProxySpec[]): void {
    const wanted = new Map(specs.map((s) => [key(s.host, s.port), s]));
    for (const [id, listener] of this.listeners) {
      // Never rejects; only close() waits for the listener to finish closing.
      if (!wanted.has(id)) void this.closeListener(id, listener);
    }
    for (const [id, spec] of wanted) {
      const existing = this.listeners.get(id);
      if (existing) this.apply(existing, spec);
      else if (!this.failed.has(id)) this.open(id, spec);
    }
  }

  /** Addresses listened on (for tests and the log). */
  addresses(): string[] {
    return [...this.listeners.keys()];
  }

  async close(): Promise<void> {
    const closing = [...this.listeners].map(([id, listener]) => this.closeListener(id, listener));
    await Promise.all(closing);
  }

  private apply(listener: Listener, spec: ProxySpec): void {
    listener.targets = spec.targets;
    if (spec.routes) {
      if (listener.router) listener.router.update(spec.routes);
      else listener.router = new HostRouter(spec.routes);
    } else if (listener.router) {
      listener.router.close();
      listener.router = undefined;
    }
  }

  private open(id: string, spec: ProxySpec): void {
    const listener: Listener = { server: net.createServer(), targets: [], next: 0, sockets: new Set() };
    this.apply(listener, spec);
    listener.server.on('connection', (client) => this.forward(listener, client));
    listener.server.on('error', (error: NodeJS.ErrnoException) => {
      this.failed.add(id);
      this.listeners.delete(id);
      this.logger.warn('Service Connect: cannot listen for a client alias', {
        address: id,
        error: error.code ?? String(error),
      });
    });
    listener.server.listen(spec.port, spec.host);
    this.listeners.set(id, listener);
  }

  private forward(listener: Listener, client: net.Socket): void {
    listener.sockets.add(client);
    client.on('close', () => listener.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (listener.router) return listener.router.accept(client);
    client.pause();
    const tried = new Set<number>();
    const attempt = (): void => {
      const targets = listener.targets;
      if (targets.length === 0 || tried.size >= targets.length) {
        client.destroy();
        return;
      }
      const index = listener.next++ % targets.length;
      if (tried.has(index)) return attempt();
      tried.add(index);
      const target = targets[index]!;
      const upstream = net.connect(target.port, target.host);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        listener.sockets.add(upstream);
        upstream.on('close', () => listener.sockets.delete(upstream));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      upstream.on('error', () => {
        upstream.destroy();
        // Refused before any byte went through: the next target gets the connection.
        if (!connected) attempt();
        else client.destroy();
      });
    };
    attempt();
  }

  private closeListener(id: string, listener: Listener): Promise<void> {
    this.listeners.delete(id);
    for (const socket of listener.sockets) socket.destroy();
    listener.router?.close();
    return new Promise((resolve) => listener.server.close(() => resolve()));
  }
}
