import type { Request, Response } from 'express';
import type { ProviderRegistry } from './plugin/registry';

export const HEALTH_PATH = '/_localcloud/health';

/** A service's status that counts as healthy: serving, or enabled and loaded on its first use. */
const HEALTHY = new Set(['running', 'available']);

/**
 * `GET /_localcloud/health`: each enabled service and what its provider reports about itself; a provider not
 * loaded yet is `available` (asking it would load it), one whose load or start failed `degraded` with why.
 */
export function healthRoute(registry: ProviderRegistry) {
  return async (_req: Request, res: Response) => {
    const services: Record<string, unknown> = {};
    await Promise.all(
      registry.enabledNames().map(async (name) => {
        const failure = registry.failure(name);
        if (failure !== undefined) {
          services[name] = { status: 'degraded', error: `could not start: ${failure}` };
          return;
        }
        const provider = registry.get(name);
        if (!provider) {
          services[name] = { status: 'available' };
          return;
        }
        try {
          services[name] = provider.health ? await provider.health() : { status: 'running' };
        } catch (error) {
          services[name] = { status: 'degraded', error: String(error) };
        }
      }),
    );
    const healthy = Object.values(services).every((s) => HEALTHY.has((s as { status?: string }).status ?? ''));
    res.status(200).json({ status: healthy ? 'running' : 'degraded', services });
  };
}
