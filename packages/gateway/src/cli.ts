import { ConfigError, loadConfig, publicUrlOf } from './config';
import { createGateway } from './app';
import { createLogger } from './logger';
import type { ProviderFactory } from './plugin/service-provider';
import type { ProviderSource } from './plugin/registry';

type ProviderModule = { createProvider?: ProviderFactory };

/** A provider module the running file carries inside itself (the bundle), loaded on first use. */
export type BundledModules = Readonly<Record<string, () => ProviderModule>>;

/**
 * `npm start`: serve the edge until SIGINT/SIGTERM, then stop providers and close cleanly. `bundled`
 * maps module names (as SERVICES and PROVIDER_MODULES name them) to the copies inside the bundle; any
 * other module (a plugin) is loaded by `loadPlugin` when given (the bundle's, which lets the plugin share
 * its packages: plugin/share-with-plugins.ts), else with `require` as before.
 */
export function runGateway(bundled: BundledModules = {}, loadPlugin?: (moduleName: string) => ProviderModule): void {
  main(bundled, loadPlugin).catch((error: unknown) => {
    const message =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`localcloud failed to start: ${message}\n`);
    process.exit(1);
  });
}

async function main(bundled: BundledModules, loadPlugin?: (moduleName: string) => ProviderModule): Promise<void> {
  const bootStarted = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const providers: Record<string, ProviderSource> = {};
  for (const [name, moduleName] of Object.entries(config.providerModules)) {
    const load = bundled[moduleName] ?? (loadPlugin && (() => loadPlugin(moduleName)));
    providers[name] = load ? moduleFactory(moduleName, load) : { module: moduleName };
  }
  const gateway = await createGateway({ config, logger, providers });
  // Signals are handled from here on (they arrive through the event loop, so none before the next line).
  const started = gateway.listen();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal while stopping: the user wants out now.
      logger.warn('second signal while shutting down; exiting without finishing', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    // The health answer comes before every provider has started (it does not wait for Docker), so a
    // signal may arrive mid-start: the start finishes first, then whatever the providers opened is closed.
    started
      .catch(() => undefined)
      .then(() => gateway.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error: String(error) });
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const info = await started;
  if (stopping) return;
  // Inside a container the listen address is not what users type: name both.
  const listening = info.host.includes(':') ? `[${info.host}]:${info.port}` : `${info.host}:${info.port}`;
  logger.info(`localcloud ready on ${publicUrlOf(config, info.port)} (listening on ${listening})`, {
    services: gateway.registry.enabledNames().join(','),
    persistence: config.persistence.enabled,
    startupMs: Math.round(performance.now() - bootStarted),
  });
}

/** The factory of a module loaded on the provider's creation (as `loadFactory` in plugin/registry.ts does). */
function moduleFactory(moduleName: string, load: () => ProviderModule): ProviderFactory {
  return (context) => {
    const { createProvider } = load();
    if (typeof createProvider !== 'function') {
      throw new Error(`Provider module '${moduleName}' does not export a createProvider function.`);
    }
    return createProvider(context);
  };
}
