import request from 'supertest';
import type { QueryCodec, ServiceProvider } from './plugin/service-provider';
import { ServiceError } from './plugin/service-error';
import { startTestGateway, type TestGateway } from './testing';

const NS = 'http://example.amazonaws.com/doc/2020-01-01/';

/** A Query provider with a codec that passes parameters through: the gateway's part is under test. */
function fakeQueryProvider(): ServiceProvider & { seen: unknown[] } {
  const seen: unknown[] = [];
  const queryCodec: QueryCodec = {
    decodeInput: (_operation, params) => Object.fromEntries(params),
    encodeOutput: (operation, output) =>
      `<${operation}Result><Echo>${JSON.stringify(output)}</Echo></${operation}Result>`,
  };
  return {
    seen,
    service: { name: 'sns', protocol: 'query', apiVersion: '2020-01-01', xmlNamespace: NS },
    operations: new Set(['Publish', 'Refuse', 'Explode']),
    queryCodec,
    async handle(operation, input) {
      seen.push({ operation, input });
      if (operation === 'Refuse') throw new ServiceError('NotFound', 'no <such> topic', 404);
      if (operation === 'Explode') throw new Error('secret internal detail');
      return { ok: true };
    },
  };
}

const sigv4 = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKID/20261127/eu-west-1/${service}/aws4_request, SignedHeaders=host, Signature=abc`;

describe('AWS Query protocol at the edge', () => {
  let gw: TestGateway;
  let provider: ReturnType<typeof fakeQueryProvider>;

  beforeAll(async () => {
    provider = fakeQueryProvider();
    gw = await startTestGateway({ env: { SERVICES: 'ecs' }, providers: { sns: () => provider } });
  });
  afterAll(() => gw.close());

  const post = (body: string, type = 'application/x-www-form-urlencoded; charset=utf-8') =>
    request(gw.url).post('/').set('authorization', sigv4('sns')).set('content-type', type).send(body);

  const errorOf = (text: string) => ({
    type: /<Type>(.*?)<\/Type>/.exec(text)?.[1],
    code: /<Code>(.*?)<\/Code>/.exec(text)?.[1],
    message: /<Message>(.*?)<\/Message>/.exec(text)?.[1],
    requestId: /<RequestId>(.*?)<\/RequestId>/.exec(text)?.[1],
  });

  it('routes by the credential scope, decodes the form and wraps the result with the request id', async () => {
    const res = await post('Action=Publish&Version=2020-01-01&Topic.member.1=a%20b&Flag=x+y');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(provider.seen.at(-1)).toEqual({ operation: 'Publish', input: { 'Topic.member.1': 'a b', Flag: 'x y' } });
    const requestId = res.headers['x-amzn-requestid'];
    expect(res.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<PublishResponse xmlns="${NS}"><PublishResult><Echo>{"ok":true}</Echo>` +
        `</PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  });

  it('reads parameters from the URL of a GET as well', async () => {
    const res = await request(gw.url).get('/?Action=Publish&Version=2020-01-01&A=1').set('authorization', sigv4('sns'));
    expect(res.status).toBe(200);
    expect(provider.seen.at(-1)).toEqual({ operation: 'Publish', input: { A: '1' } });
  });

  it('answers a provider error as an XML ErrorResponse with its status, escaped', async () => {
    const res = await post('Action=Refuse&Version=2020-01-01');
    expect(res.status).toBe(404);
    expect(errorOf(res.text)).toEqual({
      type: 'Sender',
      code: 'NotFound',
      message: 'no &lt;such&gt; topic',
      requestId: res.headers['x-amzn-requestid'],
    });
    expect(res.text).toContain(`<ErrorResponse xmlns="${NS}"><Error>`);
  });

  it('answers an unexpected failure as a Receiver InternalFailure without internals', async () => {
    const res = await post('Action=Explode&Version=2020-01-01');
    expect(res.status).toBe(500);
    expect(errorOf(res.text)).toMatchObject({ type: 'Receiver', code: 'InternalFailure' });
    expect(res.text).not.toContain('secret');
  });

  it.each([
    ['no Action', 'Version=2020-01-01', 'MissingAction'],
    ['an unknown Action', 'Action=Nope&Version=2020-01-01', 'InvalidAction'],
    ['another API version', 'Action=Publish&Version=1999-01-01', 'InvalidAction'],
    ['a percent-escape that does not decode', 'Action=Publish&Version=2020-01-01&A=%E0%A4%A', 'MalformedQueryString'],
  ])('answers %s (%s) with %s (400)', async (_what, body, code) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(errorOf(res.text).code).toBe(code);
  });

  it('quotes an over-long Action, Version or content type by its start', async () => {
    const long = (start: string) => start + 'x'.repeat(70_000);
    const action = long('Nope');
    const unknown = await post(`Action=${action}&Version=2020-01-01`);
    expect(errorOf(unknown.text)).toMatchObject({
      code: 'InvalidAction',
      message: `Could not find operation ${action.slice(0, 100)}… for version 2020-01-01.`,
    });
    const version = long('1999');
    const other = await post(`Action=Publish&Version=${version}`);
    expect(errorOf(other.text)).toMatchObject({
      code: 'InvalidAction',
      message: `Could not find operation Publish for version ${version.slice(0, 100)}….`,
    });
    // A header has at most Node's 16 KB.
    const type = `application/${'x'.repeat(10_000)}`;
    const unsupported = await post('Action=Publish&Version=2020-01-01', type);
    expect(unsupported.status).toBe(415);
    expect(errorOf(unsupported.text).message).toBe(
      `Unsupported Content-Type &apos;${type.slice(0, 100)}…&apos;: AWS Query requests use application/x-www-form-urlencoded.`,
    );
  });

  it('refuses a body that is not form-encoded with a Query error', async () => {
    const res = await post('{"Action":"Publish"}', 'application/json');
    expect(res.status).toBe(415);
    expect(errorOf(res.text).code).toBe('UnsupportedMediaTypeException');
  });

  it('refuses at start-up a Query provider without a codec', async () => {
    const { queryCodec: _codec, ...withoutCodec } = fakeQueryProvider();
    await expect(
      startTestGateway({ env: { SERVICES: 'ecs', PROVIDER_START: 'eager' }, providers: { sns: () => withoutCodec } }),
    ).rejects.toThrow("Provider 'sns' serves the Query protocol without a queryCodec.");
  });

  it('loaded on first use, a Query provider without a codec answers ServiceUnavailable naming why', async () => {
    const { queryCodec: _codec, ...withoutCodec } = fakeQueryProvider();
    const lazy = await startTestGateway({ env: { SERVICES: 'ecs' }, providers: { sns: () => withoutCodec } });
    try {
      const res = await request(lazy.url)
        .post('/')
        .set('authorization', sigv4('sns'))
        .set('content-type', 'application/x-www-form-urlencoded; charset=utf-8')
        .send('Action=Publish&Version=2020-01-01');
      expect(res.status).toBe(503);
      expect(errorOf(res.text).code).toBe('ServiceUnavailable');
      expect(errorOf(res.text).message).toContain('serves the Query protocol without a queryCodec.');
    } finally {
      await lazy.close();
    }
  });
});
