import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request header as one string (Node joins repeated headers; `set-cookie` is never read here). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The URL's path, without its query string. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** The Host header's name, without its port (an IPv6 literal keeps its brackets), as express's `req.hostname`. */
export function hostnameOf(req: IncomingMessage): string | undefined {
  const host = headerOf(req, 'host');
  if (!host) return undefined;
  const offset = host.startsWith('[') ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', offset);
  return colon < 0 ? host : host.slice(0, colon);
}

const RESPONSE_BODY = Symbol('localcloud.responseBody');

type WithBody = ServerResponse & { [RESPONSE_BODY]?: string | readonly (string | Buffer)[] };

/**
 * Writes a whole text answer straight to Node's response: `<type>; charset=utf-8` and Content-Length,
 * no ETag, as express's `send` would for a string body, without its freshness checks, which do not
 * apply to AWS API requests. The body stays on the response for the DEBUG request log.
 */
export function writeText(res: ServerResponse, status: number, contentType: string, body: string): void {
  (res as WithBody)[RESPONSE_BODY] = body;
  res.statusCode = status;
  res.setHeader('Content-Type', `${contentType}; charset=utf-8`);
  const bytes = Buffer.byteLength(body, 'utf8');
  res.setHeader('Content-Length', bytes);
  // A body whose UTF-8 size is its length is ASCII, whose UTF-8 bytes are its Latin-1 bytes: written as
  // Latin-1 it is copied, where the UTF-8 encoder walks it a character at a time (~3 ns each: 3.5 ms of a
  // 1 MB GetLogEvents page). Any other body is encoded as UTF-8, as before.
  const encoding = bytes === body.length ? 'latin1' : 'utf8';
  // The body goes to Node as a Buffer, never as a string: given a string, Node's response prepends its
  // header to it, a new string the socket write then flattens and copies once more, on V8's heap (~2.1 M
  // instructions of a 1 MB page, callgrind; for Register's ~1.3 kB answer, ~1.4 kB of the young generation
  // per request, docs/benchmarks.md "allocation per request"). A Buffer goes to the socket beside the
  // header as it is, and a small one is a slice of Node's pool, outside the heap the scavenger copies.
  // (`byteLength` above has already flattened JSON.stringify's rope in place, so this is one copy.)
  res.end(Buffer.from(body, encoding));
}

/**
 * Writes an answer given as pieces (text, and UTF-8 bytes kept from earlier answers) with the same
 * headers as `writeText`, `byteLength` being the pieces' length in bytes. With Content-Length set Node
 * does not use chunked encoding, and its first `write` corks the socket until `end`, so the status line,
 * headers and every piece leave in one `writev`, the kept bytes without being copied.
 */
export function writeChunks(
  res: ServerResponse,
  status: number,
  contentType: string,
  chunks: readonly (string | Buffer)[],
  byteLength: number,
): void {
  (res as WithBody)[RESPONSE_BODY] = chunks;
  res.statusCode = status;
  res.setHeader('Content-Type', `${contentType}; charset=utf-8`);
  res.setHeader('Content-Length', byteLength);
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) res.write(chunks[i]!);
  res.end(chunks[last]);
}

/** Pieces written by `writeChunks`, joined into one text. */
export function textOfChunks(chunks: readonly (string | Buffer)[]): string {
  return Buffer.concat(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)),
  ).toString('utf8');
}

/** The body `writeText` or `writeChunks` answered, if any. */
export function responseBodyOf(res: ServerResponse): string | undefined {
  const body = (res as WithBody)[RESPONSE_BODY];
  return body === undefined || typeof body === 'string' ? body : textOfChunks(body);
}
