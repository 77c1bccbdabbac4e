import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ChunkedDecoder, EngineStatusError, openRawStream } from './raw-stream';
import { ContainerBackendError, ContainerNotFoundError, toBackendError } from './errors';

/** Writes each piece in a turn of the event loop of its own, so the client reads them apart. */
async function writeApart(socket: net.Socket, pieces: (string | Buffer)[], end: boolean): Promise<void> {
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((r) => setImmediate(r));
  }
  if (end) socket.end();
}

/** A fake engine on a Unix socket: answers each request with `respond`, written in the pieces it returns. */
async function fakeEngine(respond: (request: string) => (string | Buffer)[], closeAfter = true) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raw-stream-'));
  const socketPath = path.join(dir, 'engine.sock');
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('data', (data) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requests.push(head);
      // A failed write must show as the client's error, not as an unhandled rejection in jest's worker.
      writeApart(socket, respond(head), closeAfter).catch((error: Error) => socket.destroy(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

const chunked = (...payloads: string[]) =>
  payloads.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
const head = (status: string, headers = 'Transfer-Encoding: chunked') =>
  `HTTP/1.1 ${status}\r\nContent-Type: application/octet-stream\r\n${headers}\r\n\r\n`;

describe('ChunkedDecoder', () => {
  it('decodes the same body whatever the reads are cut at', () => {
    const wire = Buffer.from('5;ext=1\r\nhello\r\nA\r\n0123456789\r\n1\r\n!\r\n0\r\nTrailer: x\r\n\r\n', 'latin1');
    for (const size of [1, 2, 3, 7, wire.length]) {
      const decoder = new ChunkedDecoder();
      const out: Buffer[] = [];
      for (let i = 0; i < wire.length; i += size) decoder.feed(wire.subarray(i, i + size), out);
      expect(Buffer.concat(out).toString()).toBe('hello0123456789!');
      expect(decoder.done).toBe(true);
    }
  });

  it('refuses a size line that is not hex', () => {
    expect(() => new ChunkedDecoder().feed(Buffer.from('zz\r\nhello\r\n'), [])).toThrow(ContainerBackendError);
  });
});

describe('openRawStream', () => {
  // Each test's fake engines, closed after it however it ended.
  const engines: { close(): Promise<void> }[] = [];
  const engine = async (...args: Parameters<typeof fakeEngine>) => {
    const started = await fakeEngine(...args);
    engines.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  it('sends a GET and streams a chunked body cut anywhere, then ends', async () => {
    const body = chunked('frame one\n', 'frame two\n', 'x'.repeat(70_000));
    const wire = Buffer.from(head('200 OK') + body, 'latin1');
    const { socketPath, requests } = await engine(() => [
      wire.subarray(0, 30),
      wire.subarray(30, 97),
      wire.subarray(97),
    ]);
    const stream = await openRawStream({ socketPath }, '/v1.41/containers/abc/logs?follow=true');
    expect((await readAll(stream)).toString()).toBe(`frame one\nframe two\n${'x'.repeat(70_000)}`);
    expect(requests[0]).toMatch(/^GET \/v1\.41\/containers\/abc\/logs\?follow=true HTTP\/1\.1\r\n/);
  });

  it('reads a body of known length', async () => {
    const { socketPath } = await engine(() => [head('200 OK', 'Content-Length: 5') + 'hello']);
    const stream = await openRawStream({ socketPath }, '/x');
    expect((await readAll(stream)).toString()).toBe('hello');
  });

  it('ends a 200 with an empty body of known length at once, not as a stream closed early', async () => {
    const { socketPath } = await engine(() => [head('200 OK', 'Content-Length: 0')]);
    const stream = await openRawStream({ socketPath }, '/x');
    expect((await readAll(stream)).length).toBe(0);
  });

  it.each([
    ['an empty body', ''],
    ["the engine's message, as docker-modem's errors do", JSON.stringify({ message: 'No such container: abc' })],
  ])('rejects a 404 with %s as an engine status, which maps to ContainerNotFound', async (_, message) => {
    const { socketPath } = await engine(() => [head('404 Not Found', `Content-Length: ${message.length}`) + message]);
    const error = await openRawStream({ socketPath }, '/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineStatusError);
    expect((error as EngineStatusError).statusCode).toBe(404);
    expect(toBackendError(error, { kind: 'container', ref: 'abc' })).toBeInstanceOf(ContainerNotFoundError);
  });

  it('fails the stream when the connection closes before the last chunk', async () => {
    const { socketPath } = await engine(() => [head('200 OK') + '5\r\nhello\r\n']);
    const stream = await openRawStream({ socketPath }, '/x');
    await expect(readAll(stream)).rejects.toThrow('closed before its end');
  });

  it('fails to open when nothing listens, with the connection error', async () => {
    const error = await openRawStream({ socketPath: '/nonexistent/engine.sock' }, '/x').catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('ends an open stream when its signal aborts', async () => {
    const keepOpen = false;
    const { socketPath } = await engine(() => [head('200 OK') + '5\r\nhello\r\n'], keepOpen);
    const abort = new AbortController();
    const stream = await openRawStream({ socketPath }, '/x', { signal: abort.signal });
    const read = readAll(stream);
    await new Promise((r) => stream.once('data', r));
    abort.abort(new Error('stopped'));
    await expect(read).rejects.toThrow('stopped');
  });
});
