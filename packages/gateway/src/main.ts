#!/usr/bin/env node
import { ConfigError, loadConfig, publicUrlOf } from './config';
import { createGateway } from './app';
import { createLogger } from './logger';

/** `npm start`: serve the edge until SIGINT/SIGTERM, then stop providers and close cleanly. */
async function main(): Promise<void> {
  const bootStarted = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await createGateway({ config, logger });
  const info = await gateway.listen();
  // Inside a container the listen address is not what users type: name both.
  const listening = info.host.includes(':') ? `[${info.host}]:${info.port}` : `${info.host}:${info.port}`;
  logger.info(`localcloud ready on ${publicUrlOf(config, info.port)} (listening on ${listening})`, {
    services: gateway.registry.enabledNames().join(','),
    persistence: config.persistence.enabled,
    startupMs: Math.round(performance.now() - bootStarted),
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal while stopping: the user wants out now.
      logger.warn('second signal while shutting down; exiting without finishing', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`localcloud failed to start: ${message}\n`);
  process.exit(1);
});
