import type { GatewayInfo, ProviderContext, ProviderFactory, ServiceProvider } from './service-provider';
import { KNOWN_AWS_SERVICES } from '../protocol/aws-services';
import { ConfigError } from '../config';
import { SharedServices } from './shared-services';
import { LookupGraph } from './stop-order';

/** A plugin to load: either a factory given in code, or a module exporting `createProvider`. */
export type ProviderSource = ProviderFactory | { readonly module: string };

export interface RegistryOptions {
  /** Called once per provider when it is created, before it starts (the gateway adds its upgrade routes). */
  readonly onCreated?: (provider: ServiceProvider) => void;
}

/** One enabled service: its source until loaded, then its provider; each phase runs once. */
interface Entry {
  readonly name: string;
  readonly source: ProviderSource;
  created?: Promise<ServiceProvider>;
  provider?: ServiceProvider;
  /** Create and start: every first user (request, lookup, boot) awaits this one promise. */
  ready?: Promise<ServiceProvider | undefined>;
  started: boolean;
  /** Started by the boot: its requests are served from then on, as before lazy loading, not after its start. */
  booted: boolean;
  /** Its stop has begun (at shutdown): no provider is handed it any more. */
  stopping: boolean;
  failure?: string;
}

/**
 * The enabled providers by service name. A provider is loaded (its module evaluated, its factory called) and
 * started once, when first used: the first request for its service, another provider's `lookupProvider`, or
 * the gateway's boot for those that must run without a request (docs/architecture.md, "Providers on first use").
 */
export class ProviderRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Providers whose start completed, in that order: the gateway stops exactly these (`stopAll`). */
  private readonly startOrder: ServiceProvider[] = [];
  /** Who looked up whom: a provider stops before those it looked up. */
  private readonly lookups = new LookupGraph();
  /** Every provider's context but its `lookupProvider`, which records who looked up whom (`contextFor`). */
  private readonly context: Omit<ProviderContext, 'lookupProvider'>;
  private gateway?: GatewayInfo;
  private listening!: (info: GatewayInfo) => void;
  private readonly bound = new Promise<GatewayInfo>((resolve) => (this.listening = resolve));
  private closing = false;
  /** What providers share through `sharedService`; the gateway stops it after the providers. */
  readonly shared = new SharedServices();

  constructor(
    sources: Readonly<Record<string, ProviderSource>>,
    context: Omit<ProviderContext, 'lookupProvider' | 'sharedService'>,
    private readonly options: RegistryOptions = {},
  ) {
    for (const [name, source] of Object.entries(sources)) {
      this.entries.set(name, { name, source, started: false, booted: false, stopping: false });
    }
    this.context = { ...context, sharedService: (key, create) => this.shared.get(key, create) };
  }

  /** Creates every provider now, without starting them (tests of the plugin interface). */
  static async load(
    sources: Readonly<Record<string, ProviderSource>>,
    context: Omit<ProviderContext, 'lookupProvider' | 'sharedService'>,
  ): Promise<ProviderRegistry> {
    const registry = new ProviderRegistry(sources, context);
    for (const name of registry.enabledNames()) await registry.create(name);
    return registry;
  }

  /**
   * Loads and creates the provider (once). Throws what the module, its factory or the checks threw; the
   * gateway's boot lets that stop the start, `ready` turns it into the service's failure.
   */
  create(name: string): Promise<ServiceProvider> {
    const entry = this.entry(name);
    entry.created ??= (async () => {
      const factory = typeof entry.source === 'function' ? entry.source : loadFactory(entry.source.module);
      const provider = await factory(this.contextFor(name));
      if (provider.service.name !== name) {
        throw new Error(`Provider configured as '${name}' serves '${provider.service.name}'.`);
      }
      if (provider.service.protocol === 'query' && !provider.queryCodec) {
        throw new Error(`Provider '${name}' serves the Query protocol without a queryCodec.`);
      }
      this.options.onCreated?.(provider);
      entry.provider = provider;
      return provider;
    })();
    return entry.created;
  }

  /** The context a provider is created with: its lookups are recorded as its own (stop order). */
  private contextFor(name: string): ProviderContext {
    return {
      ...this.context,
      lookupProvider: (other) => {
        this.lookups.record(name, other);
        // A provider that could not start is not handed to others: they see it as not enabled (`ready`).
        // While the gateway stops, a provider not stopped yet still takes its users' last work (their
        // awslogs lines, their Cloud Map deregistrations): they stop first. Nothing is loaded any more.
        const entry = this.entries.get(other);
        if (this.closing) return Promise.resolve(entry?.started && !entry.stopping ? entry.provider : undefined);
        return this.ready(other);
      },
    };
  }

  /** Hands providers the gateway's address: starts wait for it (the port is bound before any provider starts). */
  bind(info: GatewayInfo): void {
    this.gateway = info;
    this.listening(info);
  }

  /**
   * The provider created and started, loading it first if it is not yet (once: concurrent callers share one
   * promise); undefined when the service is not enabled, its load or start failed, or the gateway is closing.
   * `boot`: a `ConfigError` rejects (the gateway's start fails, as for its own settings) instead of marking
   * the service failed.
   */
  ready(name: string, boot = false): Promise<ServiceProvider | undefined> {
    const entry = this.entries.get(name);
    // Closing first: a started provider is being stopped, so new users hear "shutting down" (stopAll
    // awaits `entry.ready` itself).
    if (!entry || this.closing) return Promise.resolve(undefined);
    if (entry.ready) return entry.ready;
    entry.booted = boot;
    entry.ready = this.loadAndStart(entry, boot);
    return entry.ready;
  }

  private async loadAndStart(entry: Entry, boot: boolean): Promise<ServiceProvider | undefined> {
    const { logger } = this.context;
    let provider: ServiceProvider;
    try {
      provider = await this.create(entry.name);
    } catch (error) {
      if (boot) throw error;
      this.fail(entry, error, 'provider could not be loaded; its service answers ServiceUnavailable');
      return undefined;
    }
    const info = this.gateway ?? (await this.bound);
    try {
      await provider.start?.(info);
    } catch (error) {
      if (boot && error instanceof ConfigError) {
        await provider.stop?.().catch(() => undefined);
        throw error;
      }
      this.fail(entry, error, 'provider could not start; its service answers ServiceUnavailable');
      try {
        await provider.stop?.();
      } catch (stopError) {
        logger.error('provider failed to stop after its failed start', {
          service: entry.name,
          error: String(stopError),
        });
      }
      return undefined;
    }
    entry.started = true;
    this.startOrder.push(provider);
    return provider;
  }

  private fail(entry: Entry, error: unknown, what: string): void {
    const message = error instanceof Error ? error.message : String(error);
    // A refused setting is the user's to fix; on first use it can no longer stop the boot, so say so.
    const reason = error instanceof ConfigError ? `a setting is refused: ${message}` : message;
    this.context.logger.error(what, { service: entry.name, error: reason });
    entry.failure = reason;
  }

  /**
   * Stops exactly the providers that started, after letting starts under way finish; no provider is
   * loaded from here on. A provider stops before every provider it looked up (they still take what it hands
   * them while it stops), otherwise newest first; a cycle of lookups is broken newest first, with a warning.
   */
  async stopAll(onError: (service: string, error: unknown) => void): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.entries.values()].map((entry) => entry.ready));
    const started = new Map(this.startOrder.splice(0).map((provider) => [provider.service.name, provider]));
    const order = this.lookups.stopOrder([...started.keys()], (service, lookedUpBy) =>
      this.context.logger.warn('providers look each other up: stopping one before all its users', {
        service,
        lookedUpBy,
      }),
    );
    for (const provider of order.map((name) => started.get(name)!)) {
      this.entry(provider.service.name).stopping = true;
      try {
        await provider.stop?.();
      } catch (error) {
        onError(provider.service.name, error);
      }
    }
  }

  /** The provider once created (not necessarily started), or undefined. */
  get(name: string): ServiceProvider | undefined {
    return this.entries.get(name)?.provider;
  }

  /** Whether the provider finished its start (a provider not used yet has not). */
  isStarted(name: string): boolean {
    return this.entries.get(name)?.started ?? false;
  }

  /**
   * Whether requests go to the provider without waiting for its start: once started, or while the boot
   * starts it (ECS's start waits for the Docker engine, which its API does not need; the health answer and
   * requests came before the providers' starts ended before lazy loading too). Not after a failed start,
   * nor once the gateway is closing (`ready` then answers undefined: "shutting down").
   */
  serves(name: string): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined || this.closing) return false;
    return entry.started || (entry.booted && !!entry.provider && entry.failure === undefined);
  }

  /** Records that a provider's load or start failed (the gateway runs on without it). */
  markFailed(name: string, reason: string): void {
    this.entry(name).failure = reason;
  }

  /** Why a provider could not be loaded or started, or undefined when it runs (or was not used yet). */
  failure(name: string): string | undefined {
    return this.entries.get(name)?.failure;
  }

  /** Whether the gateway is shutting down (no provider is loaded any more). */
  isClosing(): boolean {
    return this.closing;
  }

  /** The providers created so far. */
  all(): ServiceProvider[] {
    return [...this.entries.values()].flatMap((entry) => (entry.provider ? [entry.provider] : []));
  }

  enabledNames(): string[] {
    return [...this.entries.keys()];
  }

  isEnabled(name: string): boolean {
    return this.entries.has(name);
  }

  isKnown(name: string): boolean {
    return KNOWN_AWS_SERVICES.some((service) => service.name === name);
  }

  /** Routing without loading: a created provider's own prefix, else the known AWS services'. */
  serviceForTargetPrefix(prefix: string): string | undefined {
    return (
      this.all().find((provider) => provider.service.targetPrefix === prefix)?.service.name ??
      KNOWN_AWS_SERVICES.find((service) => service.targetPrefix === prefix)?.name
    );
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`Service '${name}' is not enabled.`);
    return entry;
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
