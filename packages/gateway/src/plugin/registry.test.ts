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
});
