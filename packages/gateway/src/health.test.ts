import type { Request, Response } from 'express';
import { createLogger } from './logger';
import { healthRoute, type ServiceStateHealth } from './health';
import { ProviderRegistry } from './plugin/registry';
import type { ServiceProvider } from './plugin/service-provider';

const context = { logger: createLogger('error'), env: {}, persistence: { enabled: false, dataDir: '/tmp' } };

async function health(
  registry: ProviderRegistry,
  stateHealth?: ServiceStateHealth,
): Promise<{ status: string; services: Record<string, unknown> }> {
  let body: unknown;
  const res = { status: () => res, json: (value: unknown) => (body = value) } as unknown as Response;
  await healthRoute(registry, stateHealth)({} as Request, res);
  return body as { status: string; services: Record<string, unknown> };
}

describe('healthRoute', () => {
  it('reports a provider created on first use as starting until its start finished', async () => {
    let finishStart!: () => void;
    const provider: ServiceProvider = {
      service: { name: 'logs', protocol: 'json1.1' },
      operations: new Set(),
      handle: async () => ({}),
      start: () => new Promise<void>((resolve) => (finishStart = resolve)),
    };
    const registry = new ProviderRegistry({ logs: () => provider }, context);
    registry.bind({ url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1 });
    expect((await health(registry)).services.logs).toEqual({ status: 'available' });

    const ready = registry.ready('logs');
    while (!registry.get('logs')) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const starting = await health(registry);
    expect(starting.services.logs).toEqual({ status: 'starting' });
    // Starting is not a failure: the gateway as a whole stays healthy.
    expect(starting.status).toBe('running');

    finishStart();
    await ready;
    expect((await health(registry)).services.logs).toEqual({ status: 'running' });
  });

  it("reports the failures of a service's state stores, and the service degraded while one refuses writes", async () => {
    const provider: ServiceProvider = {
      service: { name: 'ssm', protocol: 'json1.1' },
      operations: new Set(),
      handle: async () => ({}),
    };
    const registry = new ProviderRegistry({ ssm: () => provider }, context);
    registry.bind({ url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1 });
    await registry.ready('ssm');
    let refusing = 0;
    const stateHealth = (service: string) =>
      service === 'ssm'
        ? { stores: 2, refusingWrites: refusing, writeFailures: 1 + refusing, lastWriteFailure: 'EIO' }
        : { stores: 0, refusingWrites: 0, writeFailures: 0 };

    expect(await health(registry, stateHealth)).toEqual({
      status: 'running',
      services: {
        ssm: { status: 'running', stateStore: { refusingWrites: 0, writeFailures: 1, lastWriteFailure: 'EIO' } },
      },
    });
    refusing = 1;
    expect(await health(registry, stateHealth)).toEqual({
      status: 'degraded',
      services: {
        ssm: { status: 'degraded', stateStore: { refusingWrites: 1, writeFailures: 2, lastWriteFailure: 'EIO' } },
      },
    });
  });
});
