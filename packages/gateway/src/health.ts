import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderRegistry } from './plugin/registry';

export const HEALTH_PATH = '/_localcloud/health';

/** Each enabled service and what its provider reports about itself; `running` when every one is. */
export async function healthReport(registry: ProviderRegistry): Promise<{ status: string; services: object }> {
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
  return { status: healthy ? 'running' : 'degraded', services };
}

/**
 * `GET` (or `HEAD`) `/_localcloud/health`, on Node's own response: the gateway's only route of its own,
 * so no web framework is loaded for it (express was about half of what evaluating the gateway cost at
 * start, docs/benchmarks.md).
 */
export async function answerHealth(registry: ProviderRegistry, req: IncomingMessage, res: ServerResponse) {
  const body = JSON.stringify(await healthReport(registry));
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
