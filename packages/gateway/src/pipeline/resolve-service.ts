import type { IncomingMessage } from 'node:http';
import { credentialScopeOf, type Step } from './exchange';
import type { ProviderRegistry } from '../plugin/registry';
import type { ServiceProvider } from '../plugin/service-provider';
import { headerOf, hostnameOf } from '../protocol/http';
import { ServiceNotEnabledError, ServiceUnavailableError, UnknownServiceError } from '../errors';
import { truncateText } from '../plugin/value-preview';

/**
 * Finds the service a request addresses the way real clients address it: the SigV4 credential scope's
 * service, then the `X-Amz-Target` prefix, then the host name (`ecs.us-east-1.localhost…`).
 */
export function resolveService(registry: ProviderRegistry): Step {
  return (req, _res, exchange) => {
    const name =
      credentialScopeOf(req, exchange)?.service ?? serviceFromTarget(req, registry) ?? serviceFromHost(req, registry);
    if (!name) {
      throw new UnknownServiceError(
        'Could not determine the AWS service of this request from its Authorization credential scope, ' +
          'X-Amz-Target header or host name.',
      );
    }
    if (!registry.isEnabled(name)) {
      if (registry.isKnown(name)) {
        throw new ServiceNotEnabledError(
          `Service '${name}' is not enabled in localcloud. Enabled: ${registry.enabledNames().join(', ') || 'none'}. ` +
            `Add it to the SERVICES setting (e.g. SERVICES=${[...registry.enabledNames(), name].join(',')}) where a provider for it exists.`,
        );
      }
      throw new UnknownServiceError(`Unknown service '${truncateText(name)}'.`);
    }
    exchange.service = name;
    // A started provider (or one the boot is starting) is served at once, with no await on the hot path; the
    // first request for another loads and starts it (once, shared with any other first user).
    if (registry.serves(name)) exchange.provider = registry.get(name);
    else return registry.ready(name).then((provider) => void (exchange.provider = usable(registry, name, provider)));
  };
}

function usable(registry: ProviderRegistry, name: string, provider: ServiceProvider | undefined): ServiceProvider {
  if (provider) return provider;
  const failure = registry.failure(name);
  throw new ServiceUnavailableError(
    failure !== undefined
      ? `Service '${name}' is enabled but its provider could not start: ${failure}. ` +
          'Fix the cause and restart localcloud (GET /_localcloud/health shows it).'
      : `Service '${name}' is not available: localcloud is shutting down.`,
  );
}

function serviceFromTarget(req: IncomingMessage, registry: ProviderRegistry): string | undefined {
  const target = headerOf(req, 'x-amz-target');
  if (!target) return undefined;
  const prefix = target.slice(0, target.lastIndexOf('.'));
  return registry.serviceForTargetPrefix(prefix);
}

/**
 * The host's first label, without the `data-` prefix AWS puts on some operations' hosts (Cloud Map's
 * DiscoverInstances goes to `data-servicediscovery.<region>.amazonaws.com`).
 */
function serviceFromHost(req: IncomingMessage, registry: ProviderRegistry): string | undefined {
  const firstLabel = (hostnameOf(req) ?? '').split('.')[0]?.replace(/^data-/, '');
  if (!firstLabel || !(registry.isEnabled(firstLabel) || registry.isKnown(firstLabel))) return undefined;
  return firstLabel;
}
