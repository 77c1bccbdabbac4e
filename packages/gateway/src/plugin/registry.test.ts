import { ConfigError } from '../config';
import { createLogger } from '../logger';
import { ProviderRegistry, type ProviderSource } from './registry';
import type { GatewayInfo, ProviderContext, ServiceProvider } from './service-provider';

const stub = (name: string, more: Partial<ServiceProvider> = {}): ServiceProvider => ({
  service: { name, protocol: 'json1.1' },
  operations: new Set(),
  handle: async () => ({}),
  ...more,
});

const context = { logger: createLogger('error'), env: {}, persistence: { enabled: false, dataDir: '/tmp' } };
const info: GatewayInfo = { url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1 };

/** A registry whose port is bound, as the gateway's is before anything starts. */
function bound(sources: Record<string, ProviderSource>): ProviderRegistry {
  const registry = new ProviderRegistry(sources, context);
  registry.bind(info);
  return registry;
}

/** A provider that records its factory call, start and stop into `log`. */
function recorded(name: string, log: string[], more: Partial<ServiceProvider> = {}) {
  return (ctx: ProviderContext) => {
    log.push(`create ${name}`);
    void ctx;
    return stub(name, {
      async start() {
        log.push(`start ${name}`);
      },
      async stop() {
        log.push(`stop ${name}`);
      },
      ...more,
    });
  };
}

describe('ProviderRegistry', () => {
  test('creates and starts nothing until a provider is first used', async () => {
    const log: string[] = [];
    const registry = bound({ ecs: recorded('ecs', log), logs: recorded('logs', log) });
    expect(log).toEqual([]);
    expect(registry.get('logs')).toBeUndefined();
    expect(registry.isStarted('logs')).toBe(false);
    expect(registry.enabledNames()).toEqual(['ecs', 'logs']);

    const logs = await registry.ready('logs');
    expect(logs?.service.name).toBe('logs');
    expect(log).toEqual(['create logs', 'start logs']);
    expect(registry.isStarted('logs')).toBe(true);
    expect(registry.get('ecs')).toBeUndefined();
  });

  test('loads once when several first users ask at the same time, and they share that one start', async () => {
    const log: string[] = [];
    let finishStart!: () => void;
    const registry = bound({
      logs: recorded('logs', log, {
        start: () => {
          log.push('start logs');
          return new Promise<void>((resolve) => (finishStart = resolve));
        },
      }),
    });
    const first = registry.ready('logs');
    const second = registry.ready('logs');
    // Settles only once the start has: nobody is handed a provider that has not started.
    let settled = false;
    void first.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(log).toEqual(['create logs', 'start logs']);
    finishStart();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(await registry.ready('logs')).toBe(a);
    expect(log).toEqual(['create logs', 'start logs']);
  });

  test('waits for the port before starting a provider', async () => {
    const log: string[] = [];
    const registry = new ProviderRegistry({ logs: recorded('logs', log) }, context);
    const ready = registry.ready('logs');
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['create logs']);
    registry.bind(info);
    await ready;
    expect(log).toEqual(['create logs', 'start logs']);
  });

  test('lookupProvider loads the provider looked up, and hides one that could not start', async () => {
    const log: string[] = [];
    let ctx: ProviderContext | undefined;
    const registry = bound({
      ecs: (c) => ((ctx = c), stub('ecs')),
      logs: recorded('logs', log),
      ssm: () =>
        stub('ssm', {
          start: async () => {
            throw new Error('no disk');
          },
        }),
    });
    await registry.ready('ecs');
    expect(log).toEqual([]);
    const logs = await ctx!.lookupProvider('logs');
    expect(logs).toBe(registry.get('logs'));
    expect(log).toEqual(['create logs', 'start logs']);
    await expect(ctx!.lookupProvider('ssm')).resolves.toBeUndefined();
    expect(registry.failure('ssm')).toBe('no disk');
    await expect(ctx!.lookupProvider('sqs')).resolves.toBeUndefined();
  });

  test('a module that fails to load on first use marks its service failed, and is not tried again', async () => {
    let calls = 0;
    const registry = bound({
      ssm: () => {
        calls++;
        throw new Error('Cannot find module @example/ssm');
      },
      queue: () => stub('sqs'),
    });
    await expect(registry.ready('ssm')).resolves.toBeUndefined();
    await expect(registry.ready('ssm')).resolves.toBeUndefined();
    expect(calls).toBe(1);
    expect(registry.failure('ssm')).toBe('Cannot find module @example/ssm');
    await expect(registry.ready('queue')).resolves.toBeUndefined();
    expect(registry.failure('queue')).toBe("Provider configured as 'queue' serves 'sqs'.");
  });

  test('a start failure on first use stops what the provider opened and records why', async () => {
    const log: string[] = [];
    const registry = bound({
      sqs: recorded('sqs', log, {
        start: async () => {
          log.push('start sqs');
          throw new Error('the queue engine binary is not installed');
        },
      }),
    });
    await expect(registry.ready('sqs')).resolves.toBeUndefined();
    expect(log).toEqual(['create sqs', 'start sqs', 'stop sqs']);
    expect(registry.failure('sqs')).toBe('the queue engine binary is not installed');
    // Only started providers are stopped at shutdown: this one was already.
    await registry.stopAll(() => undefined);
    expect(log).toEqual(['create sqs', 'start sqs', 'stop sqs']);
  });

  test('a ConfigError on first use names the setting and fails the service; at boot it rejects', async () => {
    const picky = () =>
      stub('sqs', {
        start: async () => {
          throw new ConfigError("SQS_PORT 'x' is not a port");
        },
      });
    const lazy = bound({ sqs: picky });
    await expect(lazy.ready('sqs')).resolves.toBeUndefined();
    expect(lazy.failure('sqs')).toBe("a setting is refused: SQS_PORT 'x' is not a port");

    const boot = bound({ sqs: picky });
    await expect(boot.ready('sqs', true)).rejects.toThrow("SQS_PORT 'x' is not a port");
  });

  test('stopAll stops exactly the providers started, newest first, after starts under way, and loads no more', async () => {
    const log: string[] = [];
    let finishStart!: () => void;
    const registry = bound({
      ecs: recorded('ecs', log),
      logs: recorded('logs', log),
      ssm: recorded('ssm', log),
      ecr: recorded('ecr', log, {
        start: () => {
          log.push('start ecr');
          return new Promise<void>((resolve) => (finishStart = resolve));
        },
      }),
    });
    await registry.ready('logs');
    await registry.ready('ecs');
    const ecr = registry.ready('ecr');
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = registry.stopAll(() => undefined);
    finishStart();
    await stopped;
    await ecr;
    expect(log).toEqual([
      'create logs',
      'start logs',
      'create ecs',
      'start ecs',
      'create ecr',
      'start ecr',
      'stop ecr',
      'stop ecs',
      'stop logs',
    ]);
    await expect(registry.ready('ssm')).resolves.toBeUndefined();
    expect(log).not.toContain('create ssm');
  });

  test('a provider stops before the providers it looked up, though it started first', async () => {
    const log: string[] = [];
    const lookups: Record<string, ProviderContext['lookupProvider']> = {};
    const capture = (name: string) => (ctx: ProviderContext) => {
      lookups[name] = ctx.lookupProvider;
      return recorded(name, log)(ctx);
    };
    const handedOut: string[] = [];
    const registry = bound({
      ecs: (ctx) => {
        lookups.ecs = ctx.lookupProvider;
        return recorded('ecs', log, {
          // Its last work goes to the providers it looked up: they must still take it.
          async stop() {
            log.push('stop ecs');
            for (const name of ['logs', 'servicediscovery', 'ssm']) {
              handedOut.push(`${name}: ${(await ctx.lookupProvider(name))?.service.name ?? 'none'}`);
            }
          },
        })(ctx);
      },
      logs: capture('logs'),
      servicediscovery: capture('servicediscovery'),
      ssm: capture('ssm'),
    });
    // ECS starts at boot; Logs and Cloud Map start later, on ECS's lookups (newest first would stop them first).
    await registry.ready('ecs', true);
    await lookups.ecs!('logs');
    await lookups.ecs!('servicediscovery');
    // A lookup of itself, and of a service not enabled, change nothing.
    await lookups.ecs!('ecs');
    await expect(lookups.ecs!('sqs')).resolves.toBeUndefined();
    log.length = 0;
    await registry.stopAll(() => undefined);
    expect(log).toEqual(['stop ecs', 'stop servicediscovery', 'stop logs']);
    // While ECS stops, the providers it uses are handed out; one never started is not loaded.
    expect(handedOut).toEqual(['logs: logs', 'servicediscovery: servicediscovery', 'ssm: none']);
    expect(registry.get('ssm')).toBeUndefined();
    // Once stopped, a provider is handed to nobody.
    await expect(lookups.servicediscovery!('logs')).resolves.toBeUndefined();
  });

  test('a cycle of lookups is broken newest first, with a warning naming who still looked it up', async () => {
    const log: string[] = [];
    const warnings: unknown[] = [];
    const logger = createLogger('error');
    logger.warn = ((message: string, meta: unknown) => {
      warnings.push({ message, meta });
      return logger;
    }) as typeof logger.warn;
    const lookups: Record<string, ProviderContext['lookupProvider']> = {};
    const capture = (name: string) => (ctx: ProviderContext) => {
      lookups[name] = ctx.lookupProvider;
      return recorded(name, log)(ctx);
    };
    const registry = new ProviderRegistry({ a: capture('a'), b: capture('b') }, { ...context, logger });
    registry.bind(info);
    await registry.ready('a');
    await lookups.a!('b');
    await lookups.b!('a');
    log.length = 0;
    await registry.stopAll(() => undefined);
    expect(log).toEqual(['stop b', 'stop a']);
    expect(warnings).toEqual([
      {
        message: 'providers look each other up: stopping one before all its users',
        meta: { service: 'b', lookedUpBy: ['a'] },
      },
    ]);
  });

  test('once closing, a started provider is neither served nor handed out: its requests hear "shutting down"', async () => {
    const log: string[] = [];
    let finishStop!: () => void;
    const registry = bound({
      logs: recorded('logs', log, {
        stop: () => new Promise<void>((resolve) => (finishStop = resolve)),
      }),
    });
    await registry.ready('logs');
    expect(registry.serves('logs')).toBe(true);
    const stopped = registry.stopAll(() => undefined);
    // While it stops (and after), a new request or lookup must not reach it.
    expect(registry.serves('logs')).toBe(false);
    await expect(registry.ready('logs')).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    finishStop();
    await stopped;
    expect(registry.serves('logs')).toBe(false);
    await expect(registry.ready('logs')).resolves.toBeUndefined();
    expect(registry.failure('logs')).toBeUndefined();
  });

  test('routes by target prefix without loading: a known service by its own prefix', () => {
    const registry = bound({ logs: () => stub('logs') });
    expect(registry.serviceForTargetPrefix('Logs_20140328')).toBe('logs');
    expect(registry.get('logs')).toBeUndefined();
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
