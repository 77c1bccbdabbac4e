import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Endpoint } from './alias-proxy';

/** HTTP aliases sharing one proxy port: the name a client calls (Host header, no port) → its tasks. */
export type HostRoutes = ReadonlyMap<string, readonly Endpoint[]>;

/**
 * The HTTP side of a shared alias port: each request goes to the tasks of the alias its Host header
 * names (round robin per name), proxied with http-proxy-3 as the ELBv2 data plane does (bodies streamed,
 * keep-alive, WebSocket upgrades). It never listens itself: `AliasProxies` hands it the connections of
 * a port whose aliases are all HTTP. An unknown name answers 404 and a name without tasks 503, as
 * Envoy's "no route" and "no healthy upstream" do.
 */
export class HostRouter {
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly proxy = createProxyServer({ agent: this.agent, proxyTimeout: 60_000 });
  private readonly next = new Map<string, number>();

  constructor(private routes: HostRoutes) {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.proxy.on('error', (_error, _req, res) => {
      if (res instanceof http.ServerResponse) {
        if (!res.headersSent) plain(res, 502, 'upstream connect error');
        else res.destroy();
      } else (res as net.Socket).destroy();
    });
  }

  update(routes: HostRoutes): void {
    this.routes = routes;
  }

  /** Serves one client connection accepted by the shared listener. */
  accept(socket: net.Socket): void {
    this.server.emit('connection', socket);
  }

  close(): void {
    this.server.closeAllConnections();
    this.proxy.close();
    this.agent.destroy();
  }

  /** The target for a request, or the status to answer instead. */
  private pick(req: http.IncomingMessage): Endpoint | 404 | 503 {
    const name = hostName(req.headers.host);
    const targets = this.routes.get(name);
    if (!targets) return 404;
    if (targets.length === 0) return 503;
    const index = this.next.get(name) ?? 0;
    this.next.set(name, index + 1);
    return targets[index % targets.length]!;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = this.pick(req);
    if (typeof target === 'number') return plain(res, target, target === 404 ? 'no route' : 'no healthy upstream');
    this.proxy.web(req, res, { target: { host: target.host, port: target.port } });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.pick(req);
    if (typeof target === 'number') {
      socket.end(`HTTP/1.1 ${target} ${http.STATUS_CODES[target]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.proxy.ws(req, socket as net.Socket, head, { target: { host: target.host, port: target.port } });
  }
}

/** `Backend.NS:8080` → `backend.ns` (DNS names are case-insensitive; the port is the listener's). */
export function hostName(header: string | undefined): string {
  const host = (header ?? '').trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).replace(/\.$/, '');
}

function plain(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
  res.end(body);
}
