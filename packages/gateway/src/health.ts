import type { StateStoresHealth } from '@localcloud/persistence';
import type { Request, Response } from 'express';
import type { ProviderRegistry } from './plugin/registry';

export const HEALTH_PATH = '/_localcloud/health';

/**
 * A service's status that counts as healthy: serving, enabled and loaded on its first use, or starting
 * after that first use (not a failure).
 */
const HEALTHY = new Set(['running', 'available', 'starting']);

/** What the state stores a service has open report (`stateStoresHealthUnder` its data directory). */
export type ServiceStateHealth = (service: string) => StateStoresHealth;

/**
 * `GET /_localcloud/health`: each enabled service and what its provider reports about itself; a provider not
 * loaded yet is `available` (asking it would load it), one loaded on first use and still starting `starting`,
 * one whose load or start failed `degraded` with why. A service whose state stores had disk failures says
 * so (`stateStore`), and is `degraded` while one of them refuses writes (until a restart).
 */
export function healthRoute(registry: ProviderRegistry, stateHealth?: ServiceStateHealth) {
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
        // Created on first use and still starting (one the boot starts is served, and asked, meanwhile).
        if (!registry.isStarted(name) && !registry.serves(name)) {
          services[name] = { status: 'starting' };
          return;
        }
        try {
          services[name] = provider.health ? await provider.health() : { status: 'running' };
        } catch (error) {
          services[name] = { status: 'degraded', error: String(error) };
        }
        const state = stateHealth?.(name);
        if (state && state.writeFailures > 0) {
          const { stores: _stores, ...counts } = state;
          const reported = services[name] as Record<string, unknown>;
          services[name] = { ...reported, ...(state.refusingWrites > 0 && { status: 'degraded' }), stateStore: counts };
        }
      }),
    );
    const healthy = Object.values(services).every((s) => HEALTHY.has((s as { status?: string }).status ?? ''));
    res.status(200).json({ status: healthy ? 'running' : 'degraded', services });
  };
}
