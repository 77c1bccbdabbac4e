import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'winston';
import type { ServiceProvider, UpgradeRoute } from './service-provider';

/**
 * The gateway's `upgrade` handler: hands each connection upgrade to the provider route whose path
 * prefix matches, and answers 404 when none does. The gateway knows nothing of what is upgraded to.
 */
export function upgradeHandler(logger: Logger): {
  /**
   * Adds a provider's routes, when it is created (a provider loaded on first use has handed out no URL of
   * its routes before). Throws for a route that does not start with '/' or overlaps another's.
   */
  add(provider: ServiceProvider): void;
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every upgraded connection still open (the HTTP server's close does not track them). */
  destroyAll(): void;
} {
  const open = new Set<Duplex>();
  const routes: { service: string; route: UpgradeRoute }[] = [];
  const add = (provider: ServiceProvider) => {
    for (const route of provider.upgradeRoutes ?? []) {
      if (!route.pathPrefix.startsWith('/')) {
        throw new Error(`Upgrade route '${route.pathPrefix}' of '${provider.service.name}' must start with '/'.`);
      }
      const clash = routes.find(
        (other) =>
          other.route.pathPrefix.startsWith(route.pathPrefix) || route.pathPrefix.startsWith(other.route.pathPrefix),
      );
      if (clash) {
        throw new Error(
          `Upgrade route '${route.pathPrefix}' of '${provider.service.name}' overlaps '${clash.route.pathPrefix}' of '${clash.service}'.`,
        );
      }
      routes.push({ service: provider.service.name, route });
    }
  };
  const handle = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const match = routes.find(({ route }) => path.startsWith(route.pathPrefix));
    logger.debug('connection upgrade', { path, service: match?.service ?? '-', upgrade: request.headers.upgrade });
    if (!match) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    try {
      match.route.handleUpgrade(request, socket, head);
    } catch (error) {
      logger.error('upgrade route failed', { service: match.service, path, error: String(error) });
      socket.destroy();
    }
  };
  return {
    add,
    handle,
    destroyAll() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
