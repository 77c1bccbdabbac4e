import type { Request, Response } from 'express';
import { createLogger } from './logger';
import { healthRoute } from './health';
import { ProviderRegistry } from './plugin/registry';
import type { ServiceProvider } from './plugin/service-provider';

const context = { logger: createLogger('error'), env: {}, persistence: { enabled: false, dataDir: '/tmp' } };

async function health(registry: ProviderRegistry): Promise<{ status: string; services: Record<string, unknown> }> {
  let body: unknown;
  const res = { status: () => res, json: (value: unknown) => (body = value) } as unknown as Response;
  await healthRoute(registry)({} as Request, res);
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
});
