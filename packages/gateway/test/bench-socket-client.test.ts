import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';

// The control-plane bench's load generator (scripts/bench-json-client.js): its figures are only as true as
// its framing of requests and answers, so that framing is tested here against Node's own HTTP server.
type Answer = { status: number; headers: Record<string, string>; text: string; json: () => unknown };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { socketJsonClient, ECS } = require(path.join(__dirname, '../../../scripts/bench-json-client.js')) as {
  ECS: { targetPrefix: string; signingName: string };
  socketJsonClient: (
    port: number,
    service: { targetPrefix: string; signingName: string },
    concurrency: number,
  ) => { callRaw: (operation: string, input: unknown) => Promise<Answer>; close: () => void };
};

describe('the bench socket client (scripts/bench-json-client.js)', () => {
  let server: http.Server;
  let port: number;
  const connections = new Set<string>();
  const large = 'x'.repeat(150_000);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      connections.add(`${req.socket.remotePort}`);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const operation = String(req.headers['x-amz-target']).split('.')[1];
        const body = Buffer.concat(chunks).toString('utf8');
        if (operation === 'Large') {
          // Written in three pieces, so that the answer arrives in several reads.
          const text = JSON.stringify({ large });
          res.writeHead(200, {
            'content-type': 'application/x-amz-json-1.1',
            'content-length': Buffer.byteLength(text),
          });
          res.write(text.slice(0, 10));
          setTimeout(() => {
            res.write(text.slice(10, 80_000));
            setTimeout(() => res.end(text.slice(80_000)), 5);
          }, 5);
        } else if (operation === 'Chunked') {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.write('{"a":');
          res.end('1}');
        } else if (operation === 'Fail') {
          const text = '{"__type":"ClientException","message":"no"}';
          res.writeHead(400, { 'content-length': Buffer.byteLength(text) });
          res.end(text);
        } else {
          // Echo: the operation, the headers the gateway reads, the body as received.
          const text = JSON.stringify({
            operation,
            contentType: req.headers['content-type'],
            authorization: req.headers.authorization,
            body: JSON.parse(body),
          });
          res.writeHead(200, { 'x-amzn-requestid': 'r-1', 'content-length': Buffer.byteLength(text) });
          // After a random delay: answers complete out of order across the sockets.
          setTimeout(() => res.end(text), Math.floor(Math.random() * 5));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends each call as an AWS JSON 1.1 request and resolves its own answer, on at most `concurrency` sockets', async () => {
    connections.clear();
    const client = socketJsonClient(port, ECS, 4);
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => client.callRaw('DescribeTaskDefinition', { taskDefinition: `f:${i}` })),
      );
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        expect(answer.headers['x-amzn-requestid']).toBe('r-1');
        expect(answer.json()).toEqual({
          operation: 'DescribeTaskDefinition',
          contentType: 'application/x-amz-json-1.1',
          authorization: expect.stringMatching(
            /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/ecs\/aws4_request/,
          ),
          body: { taskDefinition: `f:${i}` },
        });
      });
      expect(connections.size).toBe(4);
    } finally {
      client.close();
    }
  });

  it('reads an answer that arrives in pieces whole, and the next one after it on the same socket', async () => {
    const client = socketJsonClient(port, ECS, 1);
    try {
      const answer = await client.callRaw('Large', {});
      expect((answer.json() as { large: string }).large).toBe(large);
      expect((await client.callRaw('Echo', { n: 1 })).json()).toMatchObject({ operation: 'Echo', body: { n: 1 } });
    } finally {
      client.close();
    }
  });

  it('rejects an answer that is not 200 with its text, and one without a Content-Length', async () => {
    const client = socketJsonClient(port, ECS, 2);
    try {
      await expect(client.callRaw('Fail', {})).rejects.toThrow(
        'Fail answered 400: {"__type":"ClientException","message":"no"}',
      );
      await expect(client.callRaw('Chunked', {})).rejects.toThrow('an answer without Content-Length');
    } finally {
      client.close();
    }
  });
});

describe('the bench socket client against a raw server', () => {
  let server: net.Server;
  let port: number;
  const accepted = new Set<net.Socket>();
  /** What the server does with each request it reads, by the operation's name in it. */
  const answer = (socket: net.Socket, request: string) => {
    const operation = /x-amz-target: [^.]+\.(\w+)/.exec(request)?.[1];
    if (operation === 'SplitHead') {
      // The head's blank line split across two reads.
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r');
      setTimeout(() => socket.write('\n{}'), 20);
    } else if (operation === 'Hangup') socket.destroy();
    else if (operation === 'Garbage') socket.write('SSH-2.0-OpenSSH\r\n\r\n');
    else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{"ok":true}');
  };

  beforeAll(async () => {
    server = net.createServer((socket) => {
      accepted.add(socket);
      let pending = '';
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        // Requests are small and whole here: one head and its body per answer.
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
          if (pending.length < end + 4 + length) break;
          answer(socket, pending.slice(0, end + 4 + length));
          pending = pending.slice(end + 4 + length);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    // A test that failed on a hang left its connection open: closed here so that the server can close.
    for (const socket of accepted) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });

  it('reads a head whose blank line is split across two reads', async () => {
    const client = socketJsonClient(port, ECS, 1);
    try {
      expect((await client.callRaw('SplitHead', {})).json()).toEqual({});
    } finally {
      client.close();
    }
  }, 5_000);

  it('rejects the call in flight when the server closes its connection, and gives a waiting call a new one', async () => {
    const client = socketJsonClient(port, ECS, 1);
    try {
      const [first, second] = await Promise.allSettled([client.callRaw('Hangup', {}), client.callRaw('Echo', {})]);
      expect(first).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({ message: expect.stringMatching(/closed the connection|ECONNRESET/) }),
      });
      expect(second.status).toBe('fulfilled');
      expect((second as PromiseFulfilledResult<Answer>).value.json()).toEqual({ ok: true });
    } finally {
      client.close();
    }
  }, 5_000);

  it('rejects bytes that are not an HTTP/1.1 answer', async () => {
    const client = socketJsonClient(port, ECS, 1);
    try {
      await expect(client.callRaw('Garbage', {})).rejects.toThrow(
        'bytes that are not an HTTP/1.1 answer: SSH-2.0-OpenSSH',
      );
      expect((await client.callRaw('Echo', {})).json()).toEqual({ ok: true });
    } finally {
      client.close();
    }
  }, 5_000);
});
