import { quoted } from '@localcloud/gateway';
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

/** The operations `prepareServiceConnect` prepares (the provider skips it for the others). */
export const SERVICE_CONNECT_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateService',
  'UpdateService',
  'CreateCluster',
  'UpdateCluster',
  'ListServicesByNamespace',
]);

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
  if (!SERVICE_CONNECT_OPERATIONS.has(operation)) return undefined;
  switch (operation) {
    case 'CreateService': {
      const request = input as CreateServiceRequest;
      if (!request.serviceConnectConfiguration) return undefined;
      const definition = definitionOf(context, request.taskDefinition);
      if (!definition) return undefined;
      const cluster = clusterOf(context, request.cluster);
      const defaults = cluster?.serviceConnectDefaults?.namespace;
      const unique = (state: ServiceConnectState) => assertUniqueInNamespace(state, context.store, undefined);
      return {
        service: await resolveService(request.serviceConnectConfiguration, definition, defaults, context, unique),
      };
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
      const unique = (state: ServiceConnectState) => assertUniqueInNamespace(state, context.store, service.serviceArn);
      return {
        service: await resolveService(request.serviceConnectConfiguration, definition, defaults, context, unique),
      };
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
  /** Checked before any Cloud Map service is created (its `resources` are still empty). */
  assertUnique: (state: ServiceConnectState) => void,
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
  const configuration = { ...config, namespace: namespace.arn };
  assertUnique({ configuration, resources: [], namespaceName: namespace.name });
  const resources = [];
  for (const service of config.services ?? []) {
    const discoveryName = discoveryNameOf(service);
    resources.push({ discoveryName, discoveryArn: await cloudMap.ensureService(namespace, discoveryName) });
  }
  return { configuration, resources, namespaceName: namespace.name };
}

/**
 * ECS keeps discovery names and client aliases (name and port) unique within a namespace: another live
 * service of the account and region that has one of them is a conflict (`except`: the service updated).
 */
function assertUniqueInNamespace(state: ServiceConnectState, store: EcsStore, except: string | undefined): void {
  const namespace = state.configuration.namespace;
  if (!state.configuration.enabled || !namespace) return;
  const claims = (config: ServiceConnectConfiguration, namespaceName: string | undefined) =>
    (config.services ?? []).map((service) => ({
      discoveryName: discoveryNameOf(service),
      aliases: (service.clientAliases ?? []).map(
        (a) => `${(a.dnsName ?? `${discoveryNameOf(service)}.${namespaceName ?? ''}`).toLowerCase()}:${a.port}`,
      ),
    }));
  const wanted = claims(state.configuration, state.namespaceName);
  for (const other of store.services.values()) {
    const config = other.serviceConnectConfiguration;
    if (other.serviceArn === except || other.status === 'INACTIVE' || !config?.enabled) continue;
    if (config.namespace !== namespace) continue;
    for (const theirs of claims(config, other.serviceConnectNamespaceName)) {
      for (const mine of wanted) {
        if (mine.discoveryName === theirs.discoveryName) {
          throw new InvalidParameterException(
            `The discoveryName ${mine.discoveryName} is already used in namespace ${quoted(namespace)} by service ${other.serviceArn}.`,
          );
        }
        const taken = mine.aliases.find((alias) => theirs.aliases.includes(alias));
        if (taken) {
          throw new InvalidParameterException(
            `The client alias ${quoted(taken)} is already used in namespace ${quoted(namespace)} by service ${other.serviceArn}.`,
          );
        }
      }
    }
  }
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
