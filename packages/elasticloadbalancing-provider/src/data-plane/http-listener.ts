import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { RequestFacts } from '../domain/conditions';
import type { Decision } from './router';

/** What a listener server asks of the data plane for each request. */
export type Decide = (request: RequestFacts) => Decision;

export interface ListenerEndpoint {
  /** The listener's own port and protocol, for `X-Forwarded-Port`/`-Proto` and redirects. */
  readonly port: number;
  readonly protocol: string;
}

/**
 * An ALB listener: an HTTP server that routes each request by the listener's rules and proxies it with
 * http-proxy-3 (keep-alive to targets, bodies streamed both ways, WebSocket upgrades), adding the headers
 * ALB adds: `X-Forwarded-For` (appended), `X-Forwarded-Proto` and `X-Forwarded-Port` of the listener, and
 * `X-Amzn-Trace-Id`. HTTPS listeners are served as plain HTTP (no certificate is real here).
 */
export class HttpListener {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly proxy = createProxyServer({ agent: this.agent, proxyTimeout: 60_000 });
  readonly server: http.Server;
  private readonly sockets = new Set<Duplex>();

  constructor(
    private readonly endpoint: ListenerEndpoint,
    private readonly decide: Decide,
  ) {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    // ALB's default idle timeout is 60 s.
    this.server.keepAliveTimeout = 60_000;
    this.server.on('upgrade', (req, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.proxy.on('error', (error, _req, res) => {
      if (res instanceof http.ServerResponse) {
        if (!res.headersSent) {
          const timedOut = (error as NodeJS.ErrnoException).code === 'ECONNRESET' && /timeout/i.test(error.message);
          sendPlain(res, timedOut ? 504 : 502, timedOut ? 'Gateway Time-out' : 'Bad Gateway');
        } else res.destroy();
      } else (res as net.Socket).destroy();
    });
  }

  private facts(req: http.IncomingMessage): RequestFacts {
    const url = new URL(req.url ?? '/', 'http://localhost');
    return {
      path: url.pathname,
      host: req.headers.host ?? '',
      method: req.method ?? 'GET',
      headers: req.headers,
      query: url.searchParams,
      sourceIp: req.socket.remoteAddress ?? '',
    };
  }

  private forwardedHeaders(req: http.IncomingMessage): Record<string, string> {
    const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const prior = req.headers['x-forwarded-for'];
    const epoch = Math.floor(Date.now() / 1000).toString(16);
    return {
      'x-forwarded-for': prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client,
      'x-forwarded-proto': this.endpoint.protocol === 'HTTPS' ? 'https' : 'http',
      'x-forwarded-port': String(this.endpoint.port),
      'x-amzn-trace-id': `Root=1-${epoch}-${randomBytes(12).toString('hex')}`,
    };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const decision = this.decide(this.facts(req));
    switch (decision.kind) {
      case 'forward':
        this.proxy.web(req, res, {
          target: { host: decision.host, port: decision.port },
          headers: this.forwardedHeaders(req),
        });
        return;
      case 'fixed-response':
        res.writeHead(decision.status, { 'content-type': decision.contentType ?? 'text/plain; charset=utf-8' });
        res.end(decision.body);
        return;
      case 'redirect':
        res.writeHead(decision.status, { location: decision.location });
        res.end();
        return;
      default:
        sendPlain(res, 503, 'Service Temporarily Unavailable');
    }
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const decision = this.decide(this.facts(req));
    if (decision.kind === 'forward') {
      this.proxy.ws(req, socket as net.Socket, head, {
        target: { host: decision.host, port: decision.port },
        headers: this.forwardedHeaders(req),
      });
      return;
    }
    const status = decision.kind === 'unavailable' ? 503 : decision.status;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    this.proxy.close();
    this.agent.destroy();
    await closed;
  }
}

function sendPlain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/html' });
  res.end(
    `<html><head><title>${status} ${text}</title></head><body><center><h1>${status} ${text}</h1></center></body></html>\n`,
  );
}
