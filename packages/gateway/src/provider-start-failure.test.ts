import net from 'node:net';
import request from 'supertest';
import { ConfigError } from './config';
import type { ProviderContext, ServiceProvider } from './plugin/service-provider';
import { startTestGateway, type TestGateway } from './testing';

/**
 * A provider whose start throws (a missing binary, a port in use) after opening something of its own: the
 * gateway runs on for the others, closes what the failed one opened, and answers its requests honestly.
 */
describe('a provider that cannot start', () => {
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
    gw = await startTestGateway({ providers: { sqs: () => broken, dynamodb: working } });
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
    expect(context!.lookupProvider('sqs')).toBeUndefined();
    expect(context!.lookupProvider('dynamodb')).toBeDefined();
  });
});

describe('a provider refusing its settings (ConfigError)', () => {
  it('stops the gateway start, and the gateway closes its port before listen rejects', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const picky: ServiceProvider = {
      service: { name: 'sqs', targetPrefix: 'AmazonSQS', protocol: 'json1.0' },
      operations: new Set(),
      async handle() {
        return {};
      },
      async start() {
        throw new ConfigError("SQS_PORT 'x' is not a port");
      },
    };
    await expect(
      startTestGateway({ env: { GATEWAY_LISTEN: `127.0.0.1:${port}` }, providers: { sqs: () => picky } }),
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
