import { quoted } from '@localcloud/gateway';
import type {
  CreateServiceRequest,
  CreateTaskSetRequest,
  ServiceRegistry,
  UpdateServiceRequest,
} from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import { InvalidParameterException } from '../errors';
import { REGISTRY_ARN } from './registration';

/**
 * CreateService's (and CreateTaskSet's) check of `serviceRegistries`: each `registryArn` is a Cloud Map service ARN and that
 * service exists, asked of the Cloud Map provider through its own GetService (in the ARN's account and
 * region). Without that provider (not in SERVICES) only the ARN's format is checked, as nothing is registered.
 */
export async function checkServiceRegistries(
  registries: readonly ServiceRegistry[] | undefined,
  cloudMap: ServiceProvider | undefined,
  request: RequestContext,
): Promise<void> {
  for (const registry of registries ?? []) {
    const arn = registry.registryArn ?? '';
    const match = REGISTRY_ARN.exec(arn);
    if (!match)
      throw new InvalidParameterException(
        `The format of the supplied service registry ARN is invalid: ${quoted(arn)}.`,
      );
    if (!cloudMap) continue;
    const [, region, accountId, serviceId] = match;
    const context: RequestContext = {
      requestId: request.requestId,
      service: 'servicediscovery',
      operation: 'GetService',
      region: region!,
      accountId: accountId!,
    };
    try {
      await cloudMap.handle('GetService', { Id: serviceId }, context);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ServiceNotFound') throw error;
      throw new InvalidParameterException(`The service registry ${quoted(arn)} does not exist.`);
    }
  }
}

/** The operations `checkRequestRegistries` checks (the provider skips it for the others). */
export const REGISTRY_CHECKED_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateService',
  'UpdateService',
  'CreateTaskSet',
]);

/** The `serviceRegistries` check of a CreateService, UpdateService or CreateTaskSet request, before its handler runs. */
export async function checkRequestRegistries(
  operation: string,
  input: unknown,
  cloudMap: () => Promise<ServiceProvider | undefined>,
  request: RequestContext,
): Promise<void> {
  if (!REGISTRY_CHECKED_OPERATIONS.has(operation)) return;
  const { serviceRegistries } = input as CreateServiceRequest | UpdateServiceRequest | CreateTaskSetRequest;
  // Cloud Map is looked up (and so loaded) only for a request that names registries.
  if (serviceRegistries?.length) await checkServiceRegistries(serviceRegistries, await cloudMap(), request);
}
