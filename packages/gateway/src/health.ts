import type { Request, Response } from 'express';
import type { ProviderRegistry } from './plugin/registry';

export const HEALTH_PATH = '/_localcloud/health';

/** `GET /_localcloud/health`: each enabled service and what its provider reports about itself. */
export function healthRoute(registry: ProviderRegistry) {
  return async (_req: Request, res: Response) => {
    const services: Record<string, unknown> = {};
    await Promise.all(
      registry.all().map(async (provider) => {
        const failure = registry.failure(provider.service.name);
        if (failure !== undefined) {
          services[provider.service.name] = { status: 'degraded', error: `could not start: ${failure}` };
          return;
        }
        try {
          services[provider.service.name] = provider.health ? await provider.health() : { status: 'running' };
        } catch (error) {
          services[provider.service.name] = { status: 'degraded', error: String(error) };
        }
      }),
    );
    const healthy = Object.values(services).every((s) => (s as { status?: string }).status === 'running');
    res.status(200).json({ status: healthy ? 'running' : 'degraded', services });
  };
}
