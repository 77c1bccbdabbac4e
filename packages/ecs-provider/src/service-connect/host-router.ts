import http from 'node:http';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Endpoint } from './alias-proxy';
import { H2_PREFACE, H2cRouter } from './h2c-router';

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
  private readonly h2c = new H2cRouter((authority) => this.pickFor(authority));

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

  /** Serves one client connection accepted by the shared listener: HTTP/1.x, or cleartext HTTP/2. */
  accept(socket: net.Socket): void {
    let seen = Buffer.alloc(0);
    const sniff = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const length = Math.min(seen.length, H2_PREFACE.length);
      const h2 = seen.subarray(0, length).equals(H2_PREFACE.subarray(0, length));
      if (h2 && seen.length < H2_PREFACE.length) return; // the preface is split: wait for the rest
      socket.off('data', sniff);
      if (h2) return this.h2c.accept(replaying(seen, socket));
      socket.pause();
      socket.unshift(seen);
      this.server.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', sniff);
  }

  close(): void {
    this.h2c.close();
    this.server.closeAllConnections();
    this.proxy.close();
    this.agent.destroy();
  }

  /** The target for a request, or the status to answer instead. */
  private pick(req: http.IncomingMessage): Endpoint | 404 | 503 {
    return this.pickFor(req.headers.host);
  }

  private pickFor(host: string | undefined): Endpoint | 404 | 503 {
    const name = hostName(host);
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

/**
 * `socket` with `head` (bytes already read from it) in front: an HTTP/2 session takes over a net.Socket's
 * handle directly, past anything unshifted in JavaScript, so it is given this stream instead.
 */
function replaying(head: Buffer, socket: net.Socket): Duplex {
  const stream = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, done) => void socket.write(chunk, done),
    final: (done) => void socket.end(done),
    destroy: (error, done) => {
      socket.destroy(error ?? undefined);
      done(error);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  return stream;
}

function plain(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
  res.end(body);
}
