import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { stateStoresHealthUnder } from '@localcloud/persistence';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'winston';
import type { GatewayConfig } from './config';
import type { GatewayInfo } from './plugin/service-provider';
import { bootProviders } from './plugin/boot-providers';
import { ProviderRegistry, type ProviderSource } from './plugin/registry';
import { createLogger } from './logger';
import { openExchange, type Exchange, type Step } from './pipeline/exchange';
import { requestId } from './pipeline/request-id';
import { requestLog } from './pipeline/request-log';
import { resolveService } from './pipeline/resolve-service';
import { resolveAccountRegion } from './pipeline/resolve-account-region';
import { readBody } from './pipeline/read-body';
import { parseRequest } from './pipeline/parse-request';
import { dispatch } from './pipeline/dispatch';
import { errorHandler } from './pipeline/error-handler';
import { answerClientError } from './pipeline/client-error';
import { HEALTH_PATH, healthRoute } from './health';
import { upgradeHandler } from './plugin/upgrade-routes';
import { pathOf } from './protocol/http';

const exchangeOf = (res: Response): Exchange => res.locals.exchange as Exchange;

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
  /** Binds the port (0 picks a free one) and starts the providers that start at boot (the others on first use). */
  listen(): Promise<GatewayInfo>;
  /** Stops the providers, then the server. */
  close(): Promise<void>;
}

/** GET or HEAD of the health path (matched as express matches its route: any case, one trailing slash). */
function isHealthRequest(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = pathOf(req).toLowerCase();
  return path === HEALTH_PATH || path === `${HEALTH_PATH}/`;
}

/**
 * The AWS request path, on Node's request and response without express: one function per request instead
 * of a router walking a middleware chain (express, its router, `parseurl` and body-parser were about a
 * tenth of a request's CPU). Steps run in order, each doing one thing and recording it on the exchange;
 * the first error, from any step, is answered by the error handler.
 */
function awsRequestHandler(
  steps: readonly Step[],
  options: {
    maxBodyBytes: number;
    log: ReturnType<typeof requestLog>;
    fail: ReturnType<typeof errorHandler>;
  },
) {
  // The first error is answered here, inside the request's one async function: a `.catch` on its promise
  // was one more closure and promise per request. An index, not for-of: the array iterator and its result
  // objects outlived the awaits on the heap (~0.3 kB per request with the catch, allocation sampling).
  const run = async (req: http.IncomingMessage, res: http.ServerResponse, exchange: Exchange): Promise<void> => {
    try {
      exchange.body = await readBody(req, options.maxBodyBytes);
      for (let i = 0; i < steps.length; i++) {
        const pending = steps[i]!(req, res, exchange);
        if (pending) await pending;
        if (res.headersSent) return;
      }
    } catch (error: unknown) {
      options.fail(error, res, exchange);
    }
  };
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const exchange = openExchange(res);
    options.log(req, res, exchange);
    void run(req, res, exchange);
  };
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const sources: Record<string, ProviderSource> = {};
  for (const [name, moduleName] of Object.entries(config.providerModules)) sources[name] = { module: moduleName };
  // Connection upgrades (WebSockets) on provider paths, added as each provider is created.
  const upgrades = upgradeHandler(logger);
  const registry = new ProviderRegistry(
    options.providers ?? sources,
    { logger, env: options.env ?? process.env, persistence: config.persistence },
    { onCreated: (provider) => upgrades.add(provider) },
  );
  // Those that start at boot are created now, so a module that does not load stops the start as before;
  // the others are loaded on first use (plugin/registry.ts).
  const atBoot = bootProviders(config, registry.enabledNames());
  for (const name of atBoot) await registry.create(name);

  const log = requestLog(logger, config.debug);
  const fail = errorHandler(logger);
  // Express serves the gateway's own routes (the health answer); AWS requests take the path below.
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use((req: Request, res: Response, next: NextFunction) => {
    log(req, res, exchangeOf(res));
    next();
  });
  const { persistence } = config;
  const stateHealth = persistence.enabled
    ? (service: string) => stateStoresHealthUnder(path.join(persistence.dataDir, service))
    : undefined;
  app.get(HEALTH_PATH, healthRoute(registry, stateHealth));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => fail(error, res, exchangeOf(res)));

  const awsRequest = awsRequestHandler(
    [
      resolveService(registry),
      resolveAccountRegion({ region: config.defaultRegion, accountId: config.defaultAccountId }),
      parseRequest,
      dispatch,
    ],
    { maxBodyBytes: config.maxBodyBytes, log, fail },
  );
  const server = http.createServer((req, res) => (isHealthRequest(req) ? app(req, res) : awsRequest(req, res)));
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', upgrades.handle);
  server.on('clientError', answerClientError);
  const close = async (): Promise<void> => {
    // No new connections while providers stop, so no request starts work after their clean-up.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Exactly the providers that started (at boot or on first use), each before those it looked up.
    await registry.stopAll((service, error) =>
      logger.error('provider failed to stop', { service, error: String(error) }),
    );
    await registry.shared.stopAll((key, error) =>
      logger.error('shared service failed to stop', { key, error: String(error) }),
    );
    server.closeAllConnections();
    upgrades.destroyAll();
    await closed;
  };

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
      try {
        const { port } = server.address() as AddressInfo;
        const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
        const info: GatewayInfo = {
          host: config.host,
          port,
          url: `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`,
        };
        registry.bind(info);
        // A provider that cannot start answers ServiceUnavailable and the gateway runs on; a setting it
        // refuses (ConfigError) is the user's to fix and stops the start, as the gateway's own settings do.
        for (const name of atBoot) await registry.ready(name, true);
        return info;
      } catch (error) {
        // Never leave the port open (and a test runner waiting) behind a failed start.
        await close();
        throw error;
      }
    },
    close,
  };
}
