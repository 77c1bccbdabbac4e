import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type { ServiceProvider } from './plugin/service-provider';
import { ServiceError } from './plugin/service-error';
import { startTestGateway, type TestGateway } from './testing';

const TARGET = 'DynamoDB_20120810';

/** A stand-in provider: the gateway must route to it without knowing anything about it. */
function fakeProvider(): ServiceProvider & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    service: { name: 'dynamodb', targetPrefix: TARGET, protocol: 'json1.0' },
    operations: new Set(['ListTables', 'Explode', 'Refuse', 'Unbuilt', 'PlainAnswer', 'ThrowAtOnce', 'Slow']),
    validateInput(operation, input) {
      if (operation === 'ListTables' && (input as { Limit?: unknown }).Limit === 'x') {
        throw new ServiceError('ValidationException', 'Limit must be a number', 400);
      }
    },
    // As a provider in plain JavaScript may be written: some answers without a promise, some throws at once.
    handle: ((operation: string, input: unknown, context: unknown) => {
      if (operation === 'PlainAnswer') return { TableNames: ['plain'] };
      if (operation === 'ThrowAtOnce') throw new ServiceError('ResourceInUseException', 'thrown at once', 400);
      return handleAsync(operation, input, context);
    }) as ServiceProvider['handle'],
    async health() {
      return { status: 'running', detail: 'fine' };
    },
  };
  async function handleAsync(operation: string, input: unknown, context: unknown): Promise<unknown> {
    seen.push({ operation, input, context });
    if (operation === 'Explode') throw new Error('secret internal detail');
    if (operation === 'Refuse') throw new ServiceError('ResourceNotFoundException', 'no such table', 400);
    if (operation === 'Unbuilt') throw new (await import('./errors')).NotImplementedError('not yet');
    if (operation === 'Slow') {
      // Answers its own `Limit` after that many ms.
      const { Limit } = input as { Limit: number };
      await new Promise((resolve) => setTimeout(resolve, Limit));
      return { Limit };
    }
    return { TableNames: ['a'], At: new Date(1_700_000_000_500) };
  }
}

const sigv4 = (accessKey: string, region: string, service: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKey}/20261127/${region}/${service}/aws4_request, SignedHeaders=host, Signature=abc`;

describe('gateway edge', () => {
  let gw: TestGateway;
  let provider: ReturnType<typeof fakeProvider>;

  beforeAll(async () => {
    provider = fakeProvider();
    gw = await startTestGateway({ env: { SERVICES: 'ecs' }, providers: { dynamodb: () => provider } });
  });
  afterAll(() => gw.close());

  const post = (
    target: string | undefined,
    body: string | Buffer | object = {},
    type = 'application/x-amz-json-1.0',
  ) => {
    const req = request(gw.url).post('/').set('content-type', type);
    if (target) req.set('x-amz-target', target);
    return req.send(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };

  const expectAwsError = (res: request.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['x-amzn-errortype']).toBe(code);
    const body = JSON.parse(res.text);
    expect(body.__type).toBe(code);
    expect(typeof body.message).toBe('string');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  };

  it('routes by X-Amz-Target and serialises dates as epoch seconds', async () => {
    const res = await post(`${TARGET}.ListTables`, { Limit: 3 });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-amz-json-1.0');
    expect(res.headers['x-amzn-requestid']).toBeDefined();
    expect(JSON.parse(res.text)).toEqual({ TableNames: ['a'], At: 1_700_000_000.5 });
    expect(provider.seen.at(-1)).toMatchObject({
      operation: 'ListTables',
      input: { Limit: 3 },
      context: { service: 'dynamodb', region: 'us-east-1', accountId: '000000000000' },
    });
  });

  it('routes by the SigV4 credential scope and takes account and region from it', async () => {
    const res = await post(`${TARGET}.ListTables`).set('authorization', sigv4('123456789012', 'eu-west-1', 'dynamodb'));
    expect(res.status).toBe(200);
    expect(provider.seen.at(-1)).toMatchObject({ context: { region: 'eu-west-1', accountId: '123456789012' } });
  });

  it('maps a non-numeric access key to the default account', async () => {
    await post(`${TARGET}.ListTables`).set('authorization', sigv4('AKIAEXAMPLE', 'ap-south-1', 'dynamodb'));
    expect(provider.seen.at(-1)).toMatchObject({
      context: { region: 'ap-south-1', accountId: '000000000000', accessKeyId: 'AKIAEXAMPLE' },
    });
  });

  it('routes by host name when there is neither scope nor a known target', async () => {
    const res = await request(gw.url)
      .post('/')
      .set('host', 'dynamodb.us-east-1.localhost')
      .set('x-amz-target', `${TARGET}.ListTables`)
      .set('content-type', 'application/x-amz-json-1.0')
      .send('{}');
    expect(res.status).toBe(200);
  });

  it("routes a host with AWS's data- prefix (Cloud Map's DiscoverInstances host) to the service after it", async () => {
    const res = await request(gw.url)
      .post('/')
      .set('host', 'data-dynamodb.us-east-1.localhost')
      .set('content-type', 'application/x-amz-json-1.0')
      .send('{}');
    // The service was found by the host: the request gets as far as asking which operation it names.
    expectAwsError(res, 400, 'MissingAction');
  });

  it('answers malformed JSON with SerializationException', async () => {
    expectAwsError(await post(`${TARGET}.ListTables`, '{"Limit": '), 400, 'SerializationException');
    expectAwsError(await post(`${TARGET}.ListTables`, '[1,2]'), 400, 'SerializationException');
  });

  it('refuses deep nesting before parsing it, instead of overflowing the stack later', async () => {
    const deep = (levels: number) => `{"Limit":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const res = await post(`${TARGET}.ListTables`, deep(5_000));
    expectAwsError(res, 400, 'SerializationException');
    expect(JSON.parse(res.text).message).toBe('The request body nests arrays and objects deeper than 100 levels.');
    // Brackets inside strings are text, not nesting.
    expect((await post(`${TARGET}.ListTables`, { Name: '['.repeat(5_000) })).status).toBe(200);
    expect((await post(`${TARGET}.ListTables`, deep(99))).status).toBe(200);
  });

  it('answers a body that does not decode as its Content-Encoding with SerializationException', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await post(`${TARGET}.ListTables`, '{"Limit": 3}').set('content-encoding', encoding);
      expectAwsError(res, 400, 'SerializationException');
      expect(JSON.parse(res.text).message).toBe(
        `The request body is not valid ${encoding} data, as its Content-Encoding says.`,
      );
    }
    const unknown = await post(`${TARGET}.ListTables`, '{}').set('content-encoding', 'x-zip');
    expectAwsError(unknown, 400, 'SerializationException');
    const gzipped = await post(`${TARGET}.ListTables`, gzipSync('{"Limit": 3}')).set('content-encoding', 'gzip');
    expect(gzipped.status).toBe(200);
  });

  it('answers a wrong content type with UnsupportedMediaTypeException', async () => {
    expectAwsError(await post(`${TARGET}.ListTables`, '<xml/>', 'text/xml'), 415, 'UnsupportedMediaTypeException');
  });

  it('answers an operation outside the API with UnknownOperationException', async () => {
    expectAwsError(await post(`${TARGET}.DropEverything`), 400, 'UnknownOperationException');
  });

  it('quotes an over-long target, content type or service name by its start', async () => {
    const long = (start: string) => start + 'x'.repeat(10_000);
    const messageOf = (res: request.Response) => JSON.parse(res.text).message as string;
    const target = long(`${TARGET}.Drop`);
    const unknown = await post(target);
    expectAwsError(unknown, 400, 'UnknownOperationException');
    expect(messageOf(unknown)).toBe(`Operation '${target.slice(0, 100)}…' is not an operation of this service.`);
    const type = long('application/');
    const unsupported = await post(`${TARGET}.ListTables`, {}, type);
    expectAwsError(unsupported, 415, 'UnsupportedMediaTypeException');
    expect(messageOf(unsupported)).toContain(`Unsupported Content-Type '${type.slice(0, 100)}…'`);
    const service = long('frob');
    const scoped = await post('Nope_2020.Do').set('authorization', sigv4('test', 'us-east-1', service));
    expectAwsError(scoped, 400, 'UnknownServiceException');
    expect(messageOf(scoped)).toBe(`Unknown service '${service.slice(0, 100)}…'.`);
  });

  it("answers what Node's HTTP parser refuses in the AWS error shape, and closes only that connection", async () => {
    const { port } = new URL(gw.url);
    /** Sends raw bytes and reads until the gateway closes: status, headers and body. */
    const raw = (bytes: string) =>
      new Promise<{ status: number; headers: string; body: string }>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const [head = '', body = ''] = text.split('\r\n\r\n');
          resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
        });
        socket.end(bytes);
      });
    const tooLarge = await raw(`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(tooLarge.status).toBe(431);
    expect(tooLarge.headers).toContain('x-amzn-errortype: requestheaderfieldstoolargeexception');
    expect(tooLarge.headers).toMatch(/x-amzn-requestid: [0-9a-f-]{36}/);
    expect(JSON.parse(tooLarge.body)).toEqual({
      __type: 'RequestHeaderFieldsTooLargeException',
      message: expect.stringContaining('headers are too large'),
    });
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ __type: 'BadRequestException' });
    // The gateway answers on.
    expectAwsError(await post(`${TARGET}.DropEverything`), 400, 'UnknownOperationException');
  });

  /** Writes `bytes` on a new connection (`more` once its first answer arrives); resolves with all it read once closed. */
  const exchange = (bytes: string, more?: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(gw.url).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => {
        if (chunks.push(chunk) === 1 && more) socket.write(more);
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write(bytes);
    });
  const rawRequest = (operation: string, body: string, framing = `Content-Length: ${body.length}`) =>
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n` +
    `X-Amz-Target: ${TARGET}.${operation}\r\n${framing}\r\n\r\n${body}`;
  const answersIn = (text: string) =>
    text
      .split(/(?=HTTP\/1\.1 \d{3} )/)
      .map((answer) => ({ status: Number(answer.slice(9, 12)), body: JSON.parse(answer.split('\r\n\r\n')[1]!) }));

  it('answers requests before the refused bytes first, in order, then the refusal (HTTP/1.1 answers in order)', async () => {
    // One write: the parser meets the bad bytes while the three requests before them are being answered.
    // The second is done before the first; the third is not when the first is.
    const slow = (ms: number) => rawRequest('Slow', `{"Limit": ${ms}}`);
    const text = await exchange(
      `${slow(80)}${slow(10)}${slow(40)}NOT HTTP AT ALL\r\n\r\n`,
      // More refused bytes while the others are answered: still one refusal.
      'STILL NOT HTTP\r\n\r\n',
    );
    const answers = answersIn(text);
    expect(answers.slice(0, 3)).toEqual([80, 10, 40].map((Limit) => ({ status: 200, body: { Limit } })));
    expect(answers.slice(3)).toEqual([
      { status: 400, body: expect.objectContaining({ __type: 'BadRequestException' }) },
    ]);
  });

  it('reads on after a refusal until the client closes, so no reset cuts the answers short', async () => {
    // The client goes on writing after it has read the refusal and the end of the stream (half-open): a
    // server that had closed at once would answer those bytes with a reset.
    const outcome = await new Promise<{ text: string; ended: boolean; error?: string }>((resolve) => {
      const socket = net.connect({ port: Number(new URL(gw.url).port), host: '127.0.0.1', allowHalfOpen: true });
      let text = '';
      let ended = false;
      let error: string | undefined;
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
        if (!text.includes('BadRequestException')) return;
        let writes = 0;
        const timer = setInterval(() => {
          if (writes++ < 5 && !socket.destroyed) socket.write('more garbage\r\n');
          else {
            clearInterval(timer);
            socket.end();
          }
        }, 5);
      });
      socket.on('end', () => (ended = true));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
      socket.on('close', () => resolve({ text, ended, error }));
      socket.setNoDelay(true);
      socket.write(`${rawRequest('Slow', '{"Limit": 5}')}NOT HTTP AT ALL\r\n\r\n`);
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.ended).toBe(true);
    expect(answersIn(outcome.text).map((answer) => answer.status)).toEqual([200, 400]);
  });

  it('gives up on a refused connection whose client never closes it', async () => {
    const socket = net.connect({ port: Number(new URL(gw.url).port), host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    const error = new Promise<string | undefined>((resolve) =>
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code)),
    );
    socket.write('NOT HTTP AT ALL\r\n\r\n');
    // The client never ends its side and writes on. The server reads those bytes for a while (LINGER_MS, 2 s),
    // then closes, and the next bytes meet a reset; a server that never gave up would time this test out.
    const timer = setInterval(() => socket.write('more\r\n'), 200);
    try {
      expect(await error).toMatch(/^(EPIPE|ECONNRESET)$/);
    } finally {
      clearInterval(timer);
      socket.destroy();
    }
    expect(answersIn(text).map((answer) => answer.status)).toEqual([400]);
  });

  it("answers bad bytes in a request's own body with the refusal, at once", async () => {
    // A chunked body whose second chunk size is not hex: the handler is still reading that body.
    const text = await exchange(
      `${rawRequest('Slow', '{"Limit": 5}')}${rawRequest('ListTables', '5\r\n{"Lim\r\nZZ\r\n', 'Transfer-Encoding: chunked')}`,
    );
    expect(answersIn(text)).toEqual([
      { status: 200, body: { Limit: 5 } },
      { status: 400, body: expect.objectContaining({ __type: 'BadRequestException' }) },
    ]);
  });

  it('answers a missing target with MissingAction', async () => {
    const res = await post(undefined).set('authorization', sigv4('test', 'us-east-1', 'dynamodb'));
    expectAwsError(res, 400, 'MissingAction');
  });

  it('answers a body over the limit with RequestEntityTooLargeException', async () => {
    const big = JSON.stringify({ Blob: 'x'.repeat(11 * 1024 * 1024) });
    expectAwsError(await post(`${TARGET}.ListTables`, big), 413, 'RequestEntityTooLargeException');
    // The limit holds for the inflated body: a small gzip of 11 MiB is refused too.
    const bomb = gzipSync(Buffer.alloc(11 * 1024 * 1024, 0x20));
    const inflated = await post(`${TARGET}.ListTables`, bomb).set('content-encoding', 'gzip');
    expectAwsError(inflated, 413, 'RequestEntityTooLargeException');
  });

  it('reads a chunked body, and keeps a connection usable after refusing a body', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: string, headers: Record<string, string | number>) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(
          `${gw.url}/`,
          {
            agent,
            method: 'POST',
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amz-target': `${TARGET}.ListTables`,
              ...headers,
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode!, text }));
          },
        );
        req.on('error', reject);
        // Two writes without a Content-Length: Transfer-Encoding chunked.
        req.write(body.slice(0, 5));
        req.end(body.slice(5));
      });
    try {
      const chunked = await send('{"Limit": 7}', {});
      expect(chunked.status).toBe(200);
      expect((provider.seen.at(-1) as { input: unknown }).input).toEqual({ Limit: 7 });
      const refused = await send('{"Limit": 3}', { 'content-encoding': 'x-zip' });
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text).message).toBe(
        "Content-Encoding 'x-zip' is not supported: use gzip, deflate, br or none.",
      );
      expect((await send('{"Limit": 8}', { 'content-length': 12 })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('passes provider validation errors and service errors through unchanged', async () => {
    expectAwsError(await post(`${TARGET}.ListTables`, { Limit: 'x' }), 400, 'ValidationException');
    const res = await post(`${TARGET}.Refuse`);
    expectAwsError(res, 400, 'ResourceNotFoundException');
    expect(JSON.parse(res.text).message).toBe('no such table');
  });

  it('answers a handler that returns without a promise, and one that throws before returning one', async () => {
    const plain = await post(`${TARGET}.PlainAnswer`);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.text)).toEqual({ TableNames: ['plain'] });
    expectAwsError(await post(`${TARGET}.ThrowAtOnce`), 400, 'ResourceInUseException');
    expect((await post(`${TARGET}.ListTables`)).status).toBe(200);
  });

  it('hides unexpected errors behind InternalFailure and stays up', async () => {
    const res = await post(`${TARGET}.Explode`);
    expectAwsError(res, 500, 'InternalFailure');
    expect(res.text).not.toContain('secret internal detail');
    expect((await post(`${TARGET}.ListTables`)).status).toBe(200);
  });

  it('answers not-implemented operations with HTTP 501', async () => {
    expectAwsError(await post(`${TARGET}.Unbuilt`), 501, 'NotImplementedException');
  });

  it('names the SERVICES setting for a known AWS service that is not enabled', async () => {
    const res = await request(gw.url)
      .post('/')
      .set('x-amz-target', 'Kinesis_20131202.ListStreams')
      .set('content-type', 'application/x-amz-json-1.1')
      .send('{}');
    expectAwsError(res, 501, 'ServiceNotEnabledException');
    expect(JSON.parse(res.text).message).toContain("'kinesis'");
    expect(JSON.parse(res.text).message).toContain('SERVICES');
  });

  it('answers a request for no known service with a 4xx', async () => {
    const res = await request(gw.url).post('/').set('content-type', 'application/json').send('{}');
    expectAwsError(res, 400, 'UnknownServiceException');
    const scoped = await post('Nope_2020.Do').set('authorization', sigv4('test', 'us-east-1', 'frobnicator'));
    expectAwsError(scoped, 400, 'UnknownServiceException');
  });

  it('reports each enabled service on the health endpoint', async () => {
    const res = await request(gw.url).get('/_localcloud/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'running', services: { dynamodb: { status: 'running', detail: 'fine' } } });
  });

  it('answers the health path as JSON in any case and with a trailing slash, and HEAD without a body', async () => {
    for (const path of ['/_localcloud/health/', '/_LocalCloud/Health', '/_localcloud/health?x=1']) {
      const res = await request(gw.url).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.status).toBe('running');
    }
    const head = await request(gw.url).head('/_localcloud/health');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.text ?? '').toBe('');
    // Other methods on the path are not the health route: they take the AWS request path.
    expect((await request(gw.url).post('/_localcloud/health').send('{}')).status).toBe(400);
  });
});
