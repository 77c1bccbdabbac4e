import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { responseBodyOf } from './http';
import { jsonBody, jsonInPieces, reusableItems, reusableJson, sendJsonResult, serializeJson } from './json-protocol';

describe('serializeJson', () => {
  it('writes dates as epoch seconds only inside the call', () => {
    const at = new Date(1_700_000_000_500);
    expect(serializeJson({ at })).toBe('{"at":1700000000.5}');
    expect(JSON.stringify({ at })).toBe(`{"at":"${at.toISOString()}"}`);
  });

  it('writes a reusable value as it would write the plain value, and keeps its text', () => {
    const plain = { name: 'a', at: new Date(2_000), list: [1, { b: 'x"y' }] };
    const reusable = reusableJson(structuredClone(plain));
    const expected = serializeJson({ items: [plain, plain], n: 1 });
    expect(serializeJson({ items: [reusable, reusable], n: 1 })).toBe(expected);
    // Kept: writing it again gives the same text, and the value is frozen so the text stays true.
    expect(serializeJson({ items: [reusable, reusable], n: 1 })).toBe(expected);
    expect(Object.isFrozen(reusable) && Object.isFrozen(reusable.list[1])).toBe(true);
    expect(serializeJson(reusable)).toBe(serializeJson(plain));
  });

  it('writes reusable values nested in reusable values, and leaves other JSON.stringify calls alone', () => {
    const inner = reusableJson({ c: 2 });
    const outer = reusableJson({ inner, d: [inner] });
    expect(serializeJson({ outer, inner })).toBe('{"outer":{"inner":{"c":2},"d":[{"c":2}]},"inner":{"c":2}}');
    expect(JSON.stringify({ outer })).toBe('{"outer":{"inner":{"c":2},"d":[{"c":2}]}}');
    expect(Object.keys(outer)).toEqual(['inner', 'd']);
  });

  it('does not take strings that look like its placeholders for them', () => {
    const reusable = reusableJson({ a: 1 });
    const text = serializeJson({ a: reusable, s: '@@localcloud-json:0000000000000000:0' });
    expect(JSON.parse(text)).toEqual({ a: { a: 1 }, s: '@@localcloud-json:0000000000000000:0' });
  });
});

describe('reusableItems', () => {
  const plain = (i: number) => ({ name: `t-${i}-é☃ "q"`, at: new Date(1_000 * i), list: [i, { b: null }] });

  it.each([0, 1, 2, 100])('writes %i reusable values as the plain array, as one piece of kept texts', (count) => {
    const items = Array.from({ length: count }, (_, i) => plain(i));
    const expected = serializeJson({ tasks: items, failures: [{ arn: 'x', reason: 'MISSING' }] });
    const output = {
      tasks: reusableItems(items.map((item) => reusableJson(structuredClone(item)))),
      failures: [{ arn: 'x', reason: 'MISSING' }],
    };
    for (let pass = 0; pass < 2; pass++) {
      const body = jsonBody(output);
      expect(typeof body).toBe('object');
      const { chunks, byteLength } = body as Exclude<typeof body, string>;
      const bytes = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
      expect(bytes.toString('utf8')).toBe(expected);
      expect(byteLength).toBe(bytes.length);
      // The text before the array, its brackets, each item's text with commas between, the text after.
      expect(chunks).toHaveLength(count === 0 ? 4 : 2 * count + 3);
    }
    expect(JSON.stringify(output.tasks)).toBe(JSON.stringify(items.map((item) => JSON.parse(JSON.stringify(item)))));
  });

  it('writes an array holding anything but reusable values as usual', () => {
    const kept = reusableJson({ a: 1 });
    const mixed = reusableItems([kept, { b: 2 }, null, kept]);
    expect(serializeJson({ mixed })).toBe('{"mixed":[{"a":1},{"b":2},null,{"a":1}]}');
    const sparse = reusableItems([kept, , kept]); // eslint-disable-line no-sparse-arrays
    expect(serializeJson({ sparse })).toBe('{"sparse":[{"a":1},null,{"a":1}]}');
    // Inside a reusable value's own text, and outside serializeJson, it is a plain array.
    const outer = reusableJson({ inner: reusableItems([kept]) });
    expect(serializeJson({ outer, again: outer })).toBe('{"outer":{"inner":[{"a":1}]},"again":{"inner":[{"a":1}]}}');
    expect(JSON.stringify(reusableItems([kept]))).toBe('[{"a":1}]');
  });
});

describe('jsonInPieces', () => {
  /** Items of `count`, some non-ASCII or needing escapes, with a Date and a reusable value among them. */
  function items(count: number) {
    return Array.from({ length: count }, (_, i) =>
      i % 97 === 1
        ? { message: `é☃ "${i}"\n\u0001`, at: new Date(1_000 * i) }
        : i % 101 === 2
          ? reusableJson({ message: `kept ${i}` })
          : { timestamp: 1_700_000_000_000 + i, message: `line ${i}` },
    );
  }

  it.each([0, 1, 255, 256, 257, 512, 1_000])('writes %i items as one text would, in pieces', (count) => {
    const expected = serializeJson({ events: items(count), next: 'f/1' });
    const output = { events: jsonInPieces(items(count)), next: 'f/1' };
    const body = jsonBody(output);
    expect(typeof body).toBe('object');
    const { chunks, byteLength } = body as Exclude<typeof body, string>;
    const bytes = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
    expect(bytes.toString('utf8')).toBe(expected);
    expect(byteLength).toBe(bytes.length);
    // Up to 256 items are one piece; a piece never holds more.
    expect(chunks.filter((c) => Buffer.isBuffer(c)).length).toBe(Math.max(1, Math.ceil(count / 256)));
  });

  it('leaves the array a plain array to other readers', () => {
    const array = jsonInPieces([{ a: 1 }, new Date(2_000)]);
    expect(JSON.stringify(array)).toBe(`[{"a":1},"${new Date(2_000).toISOString()}"]`);
    expect(Object.keys(array)).toEqual(['0', '1']);
    expect(serializeJson(array)).toBe('[{"a":1},2]');
  });
});

describe('sendJsonResult', () => {
  /** Answers one request with `output`; resolves the raw answer as the client got it, and the logged body. */
  async function answer(output: unknown) {
    let logged: string | undefined;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('x-amzn-RequestId', 'r-1');
        sendJsonResult(res, 'application/x-amz-json-1.1', output);
        logged = responseBodyOf(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer; logged?: string }>(
        (resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, method: 'POST', agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks), logged }));
          });
          req.on('error', reject);
          req.end('{}');
        },
      );
    } finally {
      server.close();
    }
  }

  it('writes an answer holding reusable values in pieces, with the same bytes and headers as one text', async () => {
    // Non-ASCII text, in and between the reusable values: Content-Length counts bytes, not characters.
    const tasks = Array.from({ length: 3 }, (_, i) => ({ name: `t-${i}-é☃`, at: new Date(1_000 * i) }));
    const reusable = tasks.map((task) => reusableJson(structuredClone(task)));
    const output = { tasks: reusable, failures: [{ reason: 'MISSING ü' }], empty: [] };
    const body = jsonBody(output);
    expect(typeof body).toBe('object');
    const expected = serializeJson({ tasks, failures: [{ reason: 'MISSING ü' }], empty: [] });
    expect(serializeJson(output)).toBe(expected);

    const got = await answer(output);
    expect(got.body.toString('utf8')).toBe(expected);
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(expected, 'utf8')));
    expect(got.headers['transfer-encoding']).toBeUndefined();
    expect(got.headers['content-type']).toBe('application/x-amz-json-1.1; charset=utf-8');
    expect(got.headers['x-amzn-requestid']).toBe('r-1');
    expect(got.logged).toBe(expected);
  });

  it('writes an array in pieces with the same bytes and headers as one text', async () => {
    const events = Array.from({ length: 600 }, (_, i) => ({ timestamp: i, message: i === 300 ? 'ü ☃' : `line ${i}` }));
    const expected = serializeJson({ events, nextForwardToken: 'f/2' });
    const got = await answer({ events: jsonInPieces(events.slice()), nextForwardToken: 'f/2' });
    expect(got.body.toString('utf8')).toBe(expected);
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(expected, 'utf8')));
    expect(got.headers['transfer-encoding']).toBeUndefined();
    expect(got.logged).toBe(expected);
  });

  it('writes a reusable value that is the whole answer, and a plain answer as one text', async () => {
    const reusable = reusableJson({ a: 'ö' });
    expect((await answer(reusable)).body.toString('utf8')).toBe('{"a":"ö"}');
    const plain = await answer({ a: 'ö' });
    expect(plain.body.toString('utf8')).toBe('{"a":"ö"}');
    expect(plain.headers['content-length']).toBe('10');
  });
});
