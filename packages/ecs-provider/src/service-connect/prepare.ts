import type {
  CreateClusterRequest,
  CreateServiceRequest,
  ServiceConnectConfiguration,
  TaskDefinition,
  UpdateClusterRequest,
  UpdateServiceRequest,
} from '@aws-sdk/client-ecs';
import type { Scope } from '../arn';
import { DEFAULT_CLUSTER_NAME } from '../domain/cluster';
import { InvalidParameterException } from '../errors';
import { clusterNameInScope } from '../handlers/resolve-cluster';
import { findTaskDefinition } from '../handlers/task-definitions';
import type { EcsStore } from '../store/ecs-store';
import type { CloudMapClient } from './cloud-map';
import { checkServiceConnect, discoveryNameOf, type ServiceConnectState } from './configuration';

/**
 * What the provider resolves in Cloud Map before an ECS handler runs (handlers are synchronous; Cloud Map
 * is another provider): the service's Service Connect state, or a cluster's default namespace ARN
 * (`null`: the default is removed).
 */
export interface PreparedServiceConnect {
  readonly service?: ServiceConnectState;
  readonly clusterNamespace?: string | null;
  /** ListServicesByNamespace: the namespace it names, as its ARN. */
  readonly namespace?: string;
}

/**
 * For CreateService/UpdateService with a `serviceConnectConfiguration` and CreateCluster/UpdateCluster
 * with `serviceConnectDefaults`: ECS's checks, the namespace resolved (it must exist for a service; a
 * cluster's default is created as an HTTP namespace when missing) and each discovery name's Cloud Map
 * service found or created, as ECS does at CreateService. Anything the handler itself refuses (an unknown
 * cluster or task definition) is left to it.
 */
export async function prepareServiceConnect(
  operation: string,
  input: unknown,
  context: { store: EcsStore; scope: Scope; cloudMap: () => CloudMapClient },
): Promise<PreparedServiceConnect | undefined> {
  switch (operation) {
    case 'CreateService': {
      const request = input as CreateServiceRequest;
      if (!request.serviceConnectConfiguration) return undefined;
      const definition = definitionOf(context, request.taskDefinition);
      if (!definition) return undefined;
      const defaults = clusterOf(context, request.cluster)?.serviceConnectDefaults?.namespace;
      return { service: await resolveService(request.serviceConnectConfiguration, definition, defaults, context) };
    }
    case 'UpdateService': {
      const request = input as UpdateServiceRequest;
      const cluster = clusterOf(context, request.cluster);
      const service =
        cluster && context.store.services.get(`${cluster.clusterName}/${serviceNameOf(request.service!)}`);
      if (!service) return undefined;
      const definition = definitionOf(context, request.taskDefinition ?? service.taskDefinition);
      if (!definition) return undefined;
      if (!request.serviceConnectConfiguration) {
        // A new task definition must still have the named ports the service's Service Connect uses.
        if (request.taskDefinition && service.serviceConnectConfiguration) {
          checkServiceConnect(service.serviceConnectConfiguration, definition);
        }
        return undefined;
      }
      const defaults = cluster.serviceConnectDefaults?.namespace;
      return { service: await resolveService(request.serviceConnectConfiguration, definition, defaults, context) };
    }
    case 'CreateCluster':
    case 'UpdateCluster': {
      const namespace = (input as CreateClusterRequest | UpdateClusterRequest).serviceConnectDefaults?.namespace;
      if (namespace === undefined) return undefined;
      // An empty name removes the cluster's default (UpdateCluster); the namespace stays in Cloud Map.
      if (namespace === '') return { clusterNamespace: null };
      return { clusterNamespace: (await context.cloudMap().namespaceForCluster(namespace)).arn };
    }
    case 'ListServicesByNamespace': {
      const reference = (input as { namespace?: string }).namespace;
      return reference ? { namespace: (await context.cloudMap().requireNamespace(reference)).arn } : undefined;
    }
    default:
      return undefined;
  }
}

async function resolveService(
  config: ServiceConnectConfiguration,
  definition: TaskDefinition,
  clusterDefault: string | undefined,
  context: { cloudMap: () => CloudMapClient },
): Promise<ServiceConnectState> {
  checkServiceConnect(config, definition);
  const reference = config.namespace || clusterDefault;
  if (!config.enabled) {
    return { configuration: { ...config }, resources: [] };
  }
  if (!reference) {
    throw new InvalidParameterException(
      'A namespace must be specified in the Service Connect configuration, or the cluster must have a default Service Connect namespace.',
    );
  }
  const cloudMap = context.cloudMap();
  const namespace = await cloudMap.requireNamespace(reference);
  const resources = [];
  for (const service of config.services ?? []) {
    const discoveryName = discoveryNameOf(service);
    resources.push({ discoveryName, discoveryArn: await cloudMap.ensureService(namespace, discoveryName) });
  }
  return { configuration: { ...config, namespace: namespace.arn }, resources, namespaceName: namespace.name };
}

function definitionOf(context: { store: EcsStore; scope: Scope }, reference: string | undefined) {
  return reference ? findTaskDefinition(context.store, context.scope, reference)?.taskDefinition : undefined;
}

function clusterOf(context: { store: EcsStore; scope: Scope }, reference: string | undefined) {
  const name = clusterNameInScope(reference ?? DEFAULT_CLUSTER_NAME, context.scope);
  const cluster = name === undefined ? undefined : context.store.clusters.get(name);
  return cluster?.status === 'ACTIVE' ? cluster : undefined;
}

function serviceNameOf(reference: string): string {
  return reference.slice(reference.lastIndexOf('/') + 1);
}
