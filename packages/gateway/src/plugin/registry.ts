import type { ProviderContext, ProviderFactory, ServiceProvider } from './service-provider';
import { KNOWN_AWS_SERVICES } from '../protocol/aws-services';
import { SharedServices } from './shared-services';

/** A plugin to load: either a factory given in code, or a module exporting `createProvider`. */
export type ProviderSource = ProviderFactory | { readonly module: string };

/** The enabled providers by service name, and lookups the edge routes by. */
export class ProviderRegistry {
  private readonly providers = new Map<string, ServiceProvider>();
  /** Providers whose start failed, with why: they stay enabled (requests get an error) but serve nothing. */
  private readonly failures = new Map<string, string>();
  /** What providers share through `sharedService`; the gateway stops it after the providers. */
  readonly shared = new SharedServices();

  static async load(
    sources: Readonly<Record<string, ProviderSource>>,
    context: Omit<ProviderContext, 'lookupProvider' | 'sharedService'>,
  ): Promise<ProviderRegistry> {
    const registry = new ProviderRegistry();
    // A provider that could not start is not handed to others: they see it as not enabled.
    const shared: ProviderContext = {
      ...context,
      lookupProvider: (name) => (registry.failures.has(name) ? undefined : registry.get(name)),
      sharedService: (key, create) => registry.shared.get(key, create),
    };
    for (const [name, source] of Object.entries(sources)) {
      const factory = typeof source === 'function' ? source : loadFactory(source.module);
      const provider = await factory(shared);
      if (provider.service.name !== name) {
        throw new Error(`Provider configured as '${name}' serves '${provider.service.name}'.`);
      }
      if (provider.service.protocol === 'query' && !provider.queryCodec) {
        throw new Error(`Provider '${name}' serves the Query protocol without a queryCodec.`);
      }
      registry.providers.set(name, provider);
    }
    return registry;
  }

  get(name: string): ServiceProvider | undefined {
    return this.providers.get(name);
  }

  /** Records that a provider's start failed (the gateway runs on without it). */
  markFailed(name: string, reason: string): void {
    this.failures.set(name, reason);
  }

  /** Why a provider could not start, or undefined when it runs. */
  failure(name: string): string | undefined {
    return this.failures.get(name);
  }

  all(): ServiceProvider[] {
    return [...this.providers.values()];
  }

  enabledNames(): string[] {
    return [...this.providers.keys()];
  }

  isKnown(name: string): boolean {
    return KNOWN_AWS_SERVICES.some((service) => service.name === name);
  }

  serviceForTargetPrefix(prefix: string): string | undefined {
    return this.all().find((provider) => provider.service.targetPrefix === prefix)?.service.name;
  }
}

function loadFactory(moduleName: string): ProviderFactory {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(moduleName) as { createProvider?: ProviderFactory };
  if (typeof loaded.createProvider !== 'function') {
    throw new Error(`Provider module '${moduleName}' does not export a createProvider function.`);
  }
  return loaded.createProvider;
}
