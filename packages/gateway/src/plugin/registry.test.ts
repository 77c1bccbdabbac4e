import { createLogger } from '../logger';
import { ProviderRegistry } from './registry';
import type { ProviderContext, ServiceProvider } from './service-provider';

const stub = (name: string): ServiceProvider => ({
  service: { name, protocol: 'json1.1' },
  operations: new Set(),
  handle: async () => ({}),
});

describe('ProviderRegistry', () => {
  const context = { logger: createLogger('error'), env: {}, persistence: { enabled: false, dataDir: '/tmp' } };

  test('lookupProvider finds any enabled provider, including ones created later', async () => {
    const contexts: ProviderContext[] = [];
    const registry = await ProviderRegistry.load(
      {
        first: (ctx) => {
          contexts.push(ctx);
          // Created first: the second provider does not exist yet.
          expect(ctx.lookupProvider('second')).toBeUndefined();
          return stub('first');
        },
        second: () => stub('second'),
      },
      context,
    );
    expect(contexts[0]!.lookupProvider('second')).toBe(registry.get('second'));
    expect(contexts[0]!.lookupProvider('first')).toBe(registry.get('first'));
    expect(contexts[0]!.lookupProvider('sqs')).toBeUndefined();
  });

  test('sharedService hands every provider the same object per key, and stopAll stops it once', async () => {
    const contexts: ProviderContext[] = [];
    const registry = await ProviderRegistry.load(
      {
        first: (ctx) => (contexts.push(ctx), stub('first')),
        second: (ctx) => (contexts.push(ctx), stub('second')),
      },
      context,
    );
    let created = 0;
    let stopped = 0;
    const make = () => ({ id: ++created, stop: () => void stopped++ });
    const a = contexts[0]!.sharedService('table', make);
    const b = contexts[1]!.sharedService('table', make);
    expect(b).toBe(a);
    expect(contexts[1]!.sharedService('other', make)).not.toBe(a);
    expect(created).toBe(2);
    const errors: string[] = [];
    await registry.shared.stopAll((key) => errors.push(key));
    expect(stopped).toBe(2);
    expect(errors).toEqual([]);
    // A new gateway (or a second in this process) starts afresh.
    expect(contexts[0]!.sharedService('table', make)).not.toBe(a);
  });
});
