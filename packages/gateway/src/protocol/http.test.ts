import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeText } from './http';

/** What a client receives for `writeText(body)`: the bytes and the Content-Length header. */
async function answer(body: string): Promise<{ bytes: Buffer; length: string | null }> {
  const server = http.createServer((_req, res) => writeText(res, 200, 'application/json', body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    return { bytes: Buffer.from(await response.arrayBuffer()), length: response.headers.get('content-length') };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('writeText', () => {
  // ASCII is written as Latin-1 (the same bytes); anything else must still arrive as UTF-8.
  it.each([
    ['ASCII', '{"message":"line 1"}'],
    ['Latin-1 range', '{"message":"caf\u00e9 \u00ff"}'],
    ['beyond Latin-1', '{"message":"\u20ac \u{1f600}"}'],
    ['a lone surrogate', '{"message":"\ud800"}'],
    ['empty', ''],
    ['large ASCII', `{"message":"${'x'.repeat(70_000)}"}`],
    ['large beyond ASCII', `{"message":"${'\u00e9\u20ac'.repeat(40_000)}"}`],
  ])('answers %s as its UTF-8 bytes with their length', async (_name, body) => {
    const expected = Buffer.from(body, 'utf8');
    const { bytes, length } = await answer(body);
    expect(bytes.equals(expected)).toBe(true);
    expect(length).toBe(String(expected.length));
  });

  it('hands Node the body as bytes, not text (a text body gets the header prepended and is copied again)', () => {
    const ends: unknown[] = [];
    const res = Object.assign(Object.create(http.ServerResponse.prototype) as http.ServerResponse, {
      setHeader: () => res,
      end: (chunk: unknown) => ends.push(chunk),
    });
    writeText(res, 200, 'application/json', '{"a":"b"}');
    writeText(res, 200, 'application/json', '{"a":"\u00e9"}');
    expect(ends.map((chunk) => Buffer.isBuffer(chunk) && chunk.toString('utf8'))).toEqual([
      '{"a":"b"}',
      '{"a":"\u00e9"}',
    ]);
  });
});
