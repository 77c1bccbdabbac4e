import net from 'node:net';
import { Readable } from 'node:stream';
import { ContainerBackendError } from './errors';

/**
 * A streamed Engine API GET read straight off the socket, for the one response that is read hot: a
 * container log. The engine writes a followed log one frame per line, each as its own HTTP chunk,
 * flushed; through Node's `http` client every chunk costs a parser callback, a stream push and a 'data'
 * event, i.e. per line. Here the chunked framing is taken off a whole socket read at once and the read's
 * payload handed on as one buffer: one event per read, however many lines it holds.
 *
 * Reads are not delayed to gather more lines: the engine's socket buffer fills after a few hundred small
 * writes (each costs a whole buffer's overhead), and a paused reader then stalls the engine's follow.
 */
export interface RawStreamOptions {
  readonly signal?: AbortSignal;
  /** `POST` for an attach; `GET` by default. */
  readonly method?: 'GET' | 'POST';
  /**
   * Ask the engine to hijack the connection (`Upgrade: tcp`, as the docker CLI's attach does): the
   * answer is then `101` and the body the raw stream until the engine closes it.
   */
  readonly upgrade?: boolean;
}

/** Where a plain HTTP engine listens: a Unix socket, or a TCP host and port (no TLS, no ssh). */
export type RawEndpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number };

const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const LF = 0x0a;
/** A chunk-size line, or a head, longer than this is not HTTP from an engine. */
const MAX_LINE = 1024;
const MAX_HEAD = 64 * 1024;

/** The engine answered with an error status: shaped like docker-modem's errors for `toBackendError`. */
export class EngineStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: unknown,
  ) {
    const detail = typeof json === 'object' && json !== null ? (json as { message?: string }).message : String(json);
    super(`(HTTP code ${statusCode}) ${detail ?? ''}`.trim());
  }
}

/**
 * Opens `GET path` (or `options.method`) and resolves with the body as a stream once a 200 head arrived; any other status
 * rejects with an EngineStatusError carrying the engine's message, a failed connection with its error.
 */
export function openRawStream(endpoint: RawEndpoint, path: string, options: RawStreamOptions = {}): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const socket =
      'socketPath' in endpoint ? net.connect(endpoint.socketPath) : net.connect(endpoint.port, endpoint.host);
    const host = 'socketPath' in endpoint ? 'docker' : `${endpoint.host}:${endpoint.port}`;
    let head: Buffer = Buffer.alloc(0);
    let settled = false;
    const fail = (error: unknown) => {
      socket.destroy();
      if (!settled) {
        settled = true;
        reject(error);
      }
    };
    const onAbort = () => fail(options.signal?.reason ?? new Error('aborted'));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => options.signal?.removeEventListener('abort', onAbort);

    const connection = options.upgrade
      ? 'Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0'
      : 'Connection: close';
    socket.on('connect', () =>
      socket.write(
        `${options.method ?? 'GET'} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: localcloud\r\n${connection}\r\n\r\n`,
      ),
    );
    socket.on('error', (error) => {
      done();
      fail(error);
    });
    socket.on('close', () => {
      done();
      fail(new ContainerBackendError('The engine closed the connection before answering.'));
    });
    const onHead = (data: Buffer) => {
      head = head.length > 0 ? Buffer.concat([head, data]) : data;
      const end = head.indexOf(CRLF_CRLF);
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(new ContainerBackendError('The engine sent an oversized HTTP head.'));
        return;
      }
      socket.off('data', onHead);
      done();
      let parsed: ReturnType<typeof parseHead>;
      try {
        parsed = parseHead(head.subarray(0, end).toString('latin1'));
      } catch (error) {
        return fail(error);
      }
      const { status, chunked, length } = parsed;
      const rest = head.subarray(end + 4);
      const body = new RawBody(socket, chunked ? new ChunkedDecoder() : undefined, length, options);
      settled = true;
      if (status === 200 || (options.upgrade && status === 101)) {
        resolve(body);
        body.receive(rest);
        return;
      }
      // An error answer is short: read it whole for the engine's message.
      const parts: Buffer[] = [];
      body.on('data', (part: Buffer) => parts.push(part));
      body.on('end', () => reject(new EngineStatusError(status, parseJson(Buffer.concat(parts)))));
      body.on('error', reject);
      body.receive(rest);
    };
    socket.on('data', onHead);
  });
}

function parseHead(text: string): { status: number; chunked: boolean; length?: number } {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!match) throw new ContainerBackendError(`The engine answered something other than HTTP: ${lines[0]}`);
  let chunked = false;
  let length: number | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'transfer-encoding') chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
    else if (name === 'content-length') length = Number(value);
  }
  return { status: Number(match[1]), chunked, length: chunked ? undefined : length };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return body.toString('utf8');
  }
}

/** The response body: one push per socket read, the socket paused while the reader is full. */
class RawBody extends Readable {
  private received = 0;
  private finished = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly decoder: ChunkedDecoder | undefined,
    private readonly length: number | undefined,
    options: RawStreamOptions,
  ) {
    super();
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      // A body without length or chunking ends with the connection; any other ends on its own first.
      if (!this.decoder && this.length === undefined) this.finish();
      else if (!this.finished) this.destroy(new ContainerBackendError('The log stream closed before its end.'));
    });
    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.destroy(signal.reason ?? new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }

  /**
   * One socket read: its payload goes on as one buffer. Called with the bytes after the head too, which
   * may be none: completion is still checked then, so a `Content-Length: 0` body ends at once.
   */
  receive(data: Buffer): void {
    if (this.finished || this.destroyed) return;
    let payload: Buffer;
    if (this.decoder) {
      const parts: Buffer[] = [];
      try {
        this.decoder.feed(data, parts);
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    } else {
      const left = this.length === undefined ? data.length : this.length - this.received;
      payload = data.length > left ? data.subarray(0, left) : data;
    }
    this.received += payload.length;
    const more = payload.length === 0 || this.push(payload);
    if (this.decoder?.done || (this.length !== undefined && this.received >= this.length)) this.finish();
    // The reader is full: stop reading the socket until it asks for more.
    else if (!more) this.socket.pause();
  }

  override _read(): void {
    if (!this.finished) this.socket.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.push(null);
    this.socket.destroy();
  }
}

/** HTTP/1.1 chunked transfer coding, decoded in place: the payload parts are views of the input. */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'crlf' | 'trailer' | 'done' = 'size';
  private line = '';
  private remaining = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  feed(data: Buffer, out: Buffer[]): void {
    let i = 0;
    while (i < data.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, data.length - i);
        out.push(data.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          this.state = 'crlf';
          this.remaining = 2;
        }
      } else if (this.state === 'crlf') {
        const n = Math.min(this.remaining, data.length - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'size';
      } else {
        const newline = data.indexOf(LF, i);
        if (this.state === 'size' && this.line === '' && newline >= 0) {
          // The usual case, a whole size line in this read: its hex digits read in place.
          let size = 0;
          let j = i;
          for (let digit = hexDigit(data[j]!); digit >= 0; digit = hexDigit(data[++j]!)) size = size * 16 + digit;
          if (j === i) throw new ContainerBackendError('Malformed chunked encoding from the engine.');
          i = newline + 1;
          this.remaining = size;
          this.state = size === 0 ? 'trailer' : 'data';
          continue;
        }
        this.line += data.toString('latin1', i, newline < 0 ? data.length : newline);
        if (this.line.length > MAX_LINE) throw new ContainerBackendError('Malformed chunked encoding from the engine.');
        if (newline < 0) return;
        i = newline + 1;
        const line = this.line.replace(/\r$/, '');
        this.line = '';
        if (this.state === 'trailer') {
          if (line === '') this.state = 'done';
          continue;
        }
        const size = /^[0-9a-fA-F]+/.exec(line);
        if (!size) throw new ContainerBackendError('Malformed chunked encoding from the engine.');
        this.remaining = parseInt(size[0], 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
      }
    }
  }
}

function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
