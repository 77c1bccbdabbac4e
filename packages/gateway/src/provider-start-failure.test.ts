import net from 'node:net';
import request from 'supertest';
import { ConfigError } from './config';
import type { ProviderContext, ServiceProvider } from './plugin/service-provider';
import { startTestGateway, type TestGateway } from './testing';

/**
 * A provider whose start throws (a missing binary, a port in use) after opening something of its own: the
 * gateway runs on for the others, closes what the failed one opened, and answers its requests honestly.
 * Started at boot here (PROVIDER_START=eager); on first use below.
 */
describe('a provider that cannot start at boot', () => {
  let gw: TestGateway;
  let opened: net.Server | undefined;
  let stopped = 0;
  let context: ProviderContext | undefined;

  const broken: ServiceProvider = {
    service: { name: 'sqs', targetPrefix: 'AmazonSQS', protocol: 'json1.0' },
    operations: new Set(['ListQueues']),
    async handle() {
      throw new Error('never called: the provider did not start');
    },
    async start() {
      opened = net.createServer();
      await new Promise<void>((resolve) => opened!.listen(0, '127.0.0.1', resolve));
      throw new Error('the queue engine binary is not installed');
    },
    async stop() {
      stopped++;
      await new Promise((resolve) => opened?.close(resolve));
    },
  };
  const working = (ctx: ProviderContext): ServiceProvider => {
    context = ctx;
    return {
      service: { name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', protocol: 'json1.0' },
      operations: new Set(['ListTables']),
      async handle() {
        return { TableNames: [] };
      },
    };
  };

  beforeAll(async () => {
    gw = await startTestGateway({
      env: { PROVIDER_START: 'eager' },
      providers: { sqs: () => broken, dynamodb: working },
    });
  });
  afterAll(() => gw?.close());

  const post = (target: string) =>
    request(gw.url).post('/').set('content-type', 'application/x-amz-json-1.0').set('x-amz-target', target).send('{}');

  it('leaves the gateway serving the other providers', async () => {
    const res = await post('DynamoDB_20120810.ListTables');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ TableNames: [] });
  });

  it('closes what the failed provider opened, through its stop', () => {
    expect(stopped).toBe(1);
    expect(opened?.listening).toBe(false);
  });

  it('answers its operations with ServiceUnavailable (503) naming why', async () => {
    const res = await post('AmazonSQS.ListQueues');
    expect(res.status).toBe(503);
    expect(res.headers['x-amzn-errortype']).toBe('ServiceUnavailable');
    const body = JSON.parse(res.text) as { __type: string; message: string };
    expect(body.__type).toBe('ServiceUnavailable');
    expect(body.message).toContain("Service 'sqs' is enabled but its provider could not start");
    expect(body.message).toContain('the queue engine binary is not installed');
  });

  it('reports it degraded in the health check, and hides it from other providers', async () => {
    const res = await request(gw.url).get('/_localcloud/health');
    expect(res.body).toMatchObject({
      status: 'degraded',
      services: {
        sqs: { status: 'degraded', error: 'could not start: the queue engine binary is not installed' },
        dynamodb: { status: 'running' },
      },
    });
    await expect(context!.lookupProvider('sqs')).resolves.toBeUndefined();
    await expect(context!.lookupProvider('dynamodb')).resolves.toBeDefined();
  });
});

/** The same provider loaded on first use (the default): its first request starts it, and it fails as at boot. */
describe('a provider that cannot start on first use', () => {
  let gw: TestGateway;
  let starts = 0;
  const broken = (): ServiceProvider => ({
    service: { name: 'sqs', targetPrefix: 'AmazonSQS', protocol: 'json1.0' },
    operations: new Set(['ListQueues']),
    async handle() {
      throw new Error('never called: the provider did not start');
    },
    async start() {
      starts++;
      throw new Error('the queue engine binary is not installed');
    },
  });

  beforeAll(async () => {
    gw = await startTestGateway({ providers: { sqs: broken } });
  });
  afterAll(() => gw?.close());

  const post = () =>
    request(gw.url)
      .post('/')
      .set('content-type', 'application/x-amz-json-1.0')
      .set('x-amz-target', 'AmazonSQS.ListQueues')
      .send('{}');

  it('is available, not started, until its first request', async () => {
    const res = await request(gw.url).get('/_localcloud/health');
    expect(res.body).toEqual({ status: 'running', services: { sqs: { status: 'available' } } });
    expect(starts).toBe(0);
  });

  it('answers that request and later ones ServiceUnavailable naming why, trying the start once', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await post();
      expect(res.status).toBe(503);
      expect((JSON.parse(res.text) as { message: string }).message).toContain(
        "Service 'sqs' is enabled but its provider could not start: the queue engine binary is not installed",
      );
    }
    expect(starts).toBe(1);
    const health = await request(gw.url).get('/_localcloud/health');
    expect(health.body).toEqual({
      status: 'degraded',
      services: { sqs: { status: 'degraded', error: 'could not start: the queue engine binary is not installed' } },
    });
  });
});

describe('a provider refusing its settings (ConfigError)', () => {
  const picky = (): ServiceProvider => ({
    service: { name: 'sqs', targetPrefix: 'AmazonSQS', protocol: 'json1.0' },
    operations: new Set(['ListQueues']),
    async handle() {
      return {};
    },
    async start() {
      throw new ConfigError("SQS_PORT 'x' is not a port");
    },
  });

  it('on first use, answers an AWS error naming the setting (it can no longer stop the boot)', async () => {
    const gw = await startTestGateway({ providers: { sqs: picky } });
    try {
      const res = await request(gw.url)
        .post('/')
        .set('content-type', 'application/x-amz-json-1.0')
        .set('x-amz-target', 'AmazonSQS.ListQueues')
        .send('{}');
      expect(res.status).toBe(503);
      const body = JSON.parse(res.text) as { __type: string; message: string };
      expect(body.__type).toBe('ServiceUnavailable');
      expect(body.message).toContain("a setting is refused: SQS_PORT 'x' is not a port");
    } finally {
      await gw.close();
    }
  });

  it('at boot, stops the gateway start, and the gateway closes its port before listen rejects', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    await expect(
      startTestGateway({
        env: { GATEWAY_LISTEN: `127.0.0.1:${port}`, PROVIDER_START: 'eager' },
        providers: { sqs: picky },
      }),
    ).rejects.toThrow("SQS_PORT 'x' is not a port");
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
