import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'winston';
import type { GatewayConfig } from './config';
import type { GatewayInfo, ServiceProvider } from './plugin/service-provider';
import { ProviderRegistry, type ProviderSource } from './plugin/registry';
import { createLogger } from './logger';
import { exchangeOf, type Step } from './pipeline/exchange';
import { requestId } from './pipeline/request-id';
import { requestLog } from './pipeline/request-log';
import { resolveService } from './pipeline/resolve-service';
import { resolveAccountRegion } from './pipeline/resolve-account-region';
import { readBody } from './pipeline/read-body';
import { parseRequest } from './pipeline/parse-request';
import { dispatch } from './pipeline/dispatch';
import { errorHandler } from './pipeline/error-handler';
import { HEALTH_PATH, healthRoute } from './health';
import { upgradeHandler } from './plugin/upgrade-routes';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Providers by service name; defaults to the modules named by the config. */
  readonly providers?: Readonly<Record<string, ProviderSource>>;
  readonly logger?: Logger;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Gateway {
  readonly app: express.Express;
  readonly registry: ProviderRegistry;
  readonly logger: Logger;
  /** Binds the port (0 picks a free one) and starts the providers. */
  listen(): Promise<GatewayInfo>;
  /** Stops the providers, then the server. */
  close(): Promise<void>;
}

/**
 * Runs steps in order as one middleware (one hop through express's router, not one per step), stops
 * after a step that answered, and hands any error to the error handler.
 */
function asMiddleware(...steps: Step[]) {
  const run = async (req: Request, res: Response): Promise<void> => {
    const exchange = exchangeOf(res);
    for (const step of steps) {
      const pending = step(req, res, exchange);
      if (pending) await pending;
      if (res.headersSent) return;
    }
  };
  return (req: Request, res: Response, next: NextFunction) => {
    run(req, res).then(() => (res.headersSent ? undefined : next()), next);
  };
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const sources: Record<string, ProviderSource> = {};
  for (const [name, moduleName] of Object.entries(config.providerModules)) sources[name] = { module: moduleName };
  const registry = await ProviderRegistry.load(options.providers ?? sources, {
    logger,
    env: options.env ?? process.env,
    persistence: config.persistence,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The request path, in order: each step does one thing and records it on the exchange.
  app.use(requestId);
  app.use(requestLog(logger, config.debug));
  app.get(HEALTH_PATH, healthRoute(registry));
  app.use(readBody(config.maxBodyBytes));
  app.use(
    asMiddleware(
      resolveService(registry),
      resolveAccountRegion({ region: config.defaultRegion, accountId: config.defaultAccountId }),
      parseRequest,
      dispatch,
    ),
  );
  app.use(errorHandler(logger));

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  // Connection upgrades (WebSockets) on provider paths; everything else is the request path above.
  const upgrades = upgradeHandler(registry, logger);
  server.on('upgrade', upgrades.handle);
  /** Providers whose start completed, in order: only these are stopped. */
  const started: ServiceProvider[] = [];

  return {
    app,
    registry,
    logger,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
      const info: GatewayInfo = {
        host: config.host,
        port,
        url: `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`,
      };
      for (const provider of registry.all()) {
        await provider.start?.(info);
        started.push(provider);
      }
      return info;
    },
    async close() {
      // No new connections while providers stop, so no request starts work after their clean-up.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const provider of started.splice(0).reverse()) {
        try {
          await provider.stop?.();
        } catch (error) {
          logger.error('provider failed to stop', { service: provider.service.name, error: String(error) });
        }
      }
      await registry.shared.stopAll((key, error) =>
        logger.error('shared service failed to stop', { key, error: String(error) }),
      );
      server.closeAllConnections();
      upgrades.destroyAll();
      await closed;
    },
  };
}
