import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Endpoint } from './alias-proxy';

/** The first bytes of every cleartext HTTP/2 connection ("prior knowledge", as gRPC clients speak). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Connection-level headers HTTP/2 forbids forwarding. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * The HTTP/2 side of a shared alias port (appProtocol http2 or grpc): each stream goes to the target
 * `pick` chooses by its `:authority`, over one cleartext HTTP/2 session per target; response headers,
 * body and trailers (gRPC's status) are relayed as they come. Like `HostRouter`, it never listens itself.
 */
export class H2cRouter {
  private readonly server = http2.createServer();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(private readonly pick: (authority: string | undefined) => Endpoint | 404 | 503) {
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  accept(socket: Duplex): void {
    this.server.emit('connection', socket);
  }

  close(): void {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }

  private session(target: Endpoint): http2.ClientHttp2Session {
    const id = `${target.host}:${target.port}`;
    const existing = this.sessions.get(id);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(`http://${id}`);
    const forget = () => {
      if (this.sessions.get(id) === session) this.sessions.delete(id);
    };
    session.on('error', forget);
    session.on('close', forget);
    session.on('goaway', forget);
    this.sessions.set(id, session);
    return session;
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const target = this.pick(headers[':authority'] ?? headers.host);
    if (typeof target === 'number') {
      stream.respond({ ':status': target }, { endStream: true });
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) forwarded[name] = value;
    }
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = this.session(target).request(forwarded);
    } catch {
      if (!stream.headersSent) stream.respond({ ':status': 502 }, { endStream: true });
      return;
    }
    let trailers: http2.OutgoingHttpHeaders | undefined;
    upstream.on('response', (response) => {
      const { ':status': status, ...rest } = response;
      stream.respond({ ':status': status ?? 502, ...rest }, { waitForTrailers: true });
    });
    upstream.on('trailers', (received) => (trailers = { ...received }));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers ?? {}));
    upstream.on('error', () => {
      if (!stream.headersSent) stream.respond({ ':status': 502 }, { endStream: true });
      else stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('error', () => upstream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on('close', () => {
      if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
    });
    stream.pipe(upstream);
    upstream.pipe(stream);
  }
}
