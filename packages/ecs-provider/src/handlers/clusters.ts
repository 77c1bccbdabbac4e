import type {
  Cluster,
  ClusterField,
  CreateClusterRequest,
  CreateClusterResponse,
  DeleteClusterRequest,
  DeleteClusterResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  Failure,
  ListClustersRequest,
  ListClustersResponse,
  PutClusterCapacityProvidersRequest,
  PutClusterCapacityProvidersResponse,
  UpdateClusterRequest,
  UpdateClusterResponse,
  UpdateClusterSettingsRequest,
  UpdateClusterSettingsResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { clusterArn, isArn } from '../arn';
import {
  ClusterContainsContainerInstancesException,
  ClusterContainsServicesException,
  ClusterContainsTasksException,
  InvalidParameterException,
  ResourceInUseException,
} from '../errors';
import {
  DEFAULT_CLUSTER_NAME,
  clusterActivity,
  clusterView,
  mergeClusterSettings,
  validateClusterName,
} from '../domain/cluster';
import { validateCapacityProviders } from '../domain/capacity-providers';
import { mergeTags } from '../domain/tags';
import { paginate } from '../pagination';
import type { ClusterRecord } from '../store/records';
import type { EcsStore } from '../store/ecs-store';
import { clusterNameInScope, createClusterRecord, resolveCluster } from './resolve-cluster';
import { effectiveSettingValue } from './account-settings';
import { activeInstancesCount, registeredInstancesCount } from './container-instances';

/** Task and service handlers find their cluster with this. */
export { resolveCluster };

/** What create and update operations show: everything but the statistics. */
const FULL_VIEW: ReadonlySet<ClusterField> = new Set(['TAGS', 'SETTINGS', 'CONFIGURATIONS']);

function view(store: EcsStore, record: ClusterRecord, include: ReadonlySet<ClusterField> = FULL_VIEW): Cluster {
  const cluster = clusterView(
    record,
    clusterActivity(record.clusterArn, store.tasks.values(), store.services.values()),
    include,
  );
  // Its local instance (the engine) and registered ones (handlers/container-instances.ts).
  cluster.registeredContainerInstancesCount = activeInstancesCount(store, store.scope, record);
  return cluster;
}

export function createCluster(
  input: CreateClusterRequest,
  { store, scope, serviceConnect }: EcsScope,
): CreateClusterResponse {
  const name = input.clusterName ?? DEFAULT_CLUSTER_NAME;
  validateClusterName(name);
  const existing = store.clusters.get(name);
  // CreateCluster is idempotent for an ACTIVE cluster of the same name, as in ECS.
  if (existing && existing.status === 'ACTIVE') return { cluster: view(store, existing) };
  const tags = mergeTags([], input.tags ?? []);
  const capacity = clusterCapacity(
    store,
    name,
    input.capacityProviders ?? [],
    input.defaultCapacityProviderStrategy ?? [],
  );
  const fields: Partial<ClusterRecord> = { tags, ...capacity };
  if (input.settings) {
    const initial = [
      { name: 'containerInsights' as const, value: effectiveSettingValue(store, scope, 'containerInsights') },
    ];
    fields.settings = mergeClusterSettings(initial, input.settings);
  }
  if (input.configuration) fields.configuration = input.configuration;
  // The namespace as its ARN, resolved (or created) in Cloud Map by service-connect/prepare.ts.
  if (serviceConnect?.clusterNamespace) fields.serviceConnectDefaults = { namespace: serviceConnect.clusterNamespace };
  return { cluster: view(store, createClusterRecord(store, scope, name, fields)) };
}

export function describeClusters(input: DescribeClustersRequest, { store, scope }: EcsScope): DescribeClustersResponse {
  const include = new Set<ClusterField>(input.include ?? []);
  const clusters: Cluster[] = [];
  const failures: Failure[] = [];
  // No cluster named: the default cluster, described if it exists (a read never creates it).
  const references = input.clusters?.length ? input.clusters : [DEFAULT_CLUSTER_NAME];
  for (const reference of references) {
    const name = clusterNameInScope(reference, scope);
    const record = name === undefined ? undefined : store.clusters.get(name);
    if (record) clusters.push(view(store, record, include));
    else failures.push({ arn: isArn(reference) ? reference : clusterArn(scope, reference), reason: 'MISSING' });
  }
  return { clusters, failures };
}

export function listClusters(input: ListClustersRequest, { store }: EcsScope): ListClustersResponse {
  const active = [...store.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.clusterArn);
  const page = paginate('ListClusters', active, (arn) => arn, input, { defaultSize: 100, maxSize: 100 });
  return { clusterArns: page.items, nextToken: page.nextToken };
}

export function updateCluster(
  input: UpdateClusterRequest,
  { store, scope, serviceConnect }: EcsScope,
): UpdateClusterResponse {
  const current = resolveCluster({ store, scope }, input.cluster);
  const next: ClusterRecord = { ...current };
  if (input.settings) next.settings = mergeClusterSettings(current.settings ?? [], input.settings);
  if (input.configuration) next.configuration = { ...current.configuration, ...input.configuration };
  if (serviceConnect?.clusterNamespace) next.serviceConnectDefaults = { namespace: serviceConnect.clusterNamespace };
  if (serviceConnect?.clusterNamespace === null) delete next.serviceConnectDefaults;
  store.clusters.put(current.clusterName, next);
  return { cluster: view(store, next) };
}

export function updateClusterSettings(
  input: UpdateClusterSettingsRequest,
  { store, scope }: EcsScope,
): UpdateClusterSettingsResponse {
  const current = resolveCluster({ store, scope }, input.cluster);
  const next: ClusterRecord = {
    ...current,
    settings: mergeClusterSettings(current.settings ?? [], input.settings ?? []),
  };
  store.clusters.put(current.clusterName, next);
  return { cluster: view(store, next) };
}

export function putClusterCapacityProviders(
  input: PutClusterCapacityProvidersRequest,
  { store, scope }: EcsScope,
): PutClusterCapacityProvidersResponse {
  const current = resolveCluster({ store, scope }, input.cluster);
  const capacity = clusterCapacity(
    store,
    current.clusterName,
    input.capacityProviders ?? [],
    input.defaultCapacityProviderStrategy ?? [],
  );
  assertRemovable(store, current, capacity.capacityProviders);
  const next: ClusterRecord = { ...current, ...capacity };
  store.clusters.put(current.clusterName, next);
  return { cluster: view(store, next) };
}

export function deleteCluster(input: DeleteClusterRequest, { store, scope }: EcsScope): DeleteClusterResponse {
  const current = resolveCluster({ store, scope }, input.cluster);
  const activity = clusterActivity(current.clusterArn, store.tasks.values(), store.services.values());
  if (activity.liveServices > 0) {
    throw new ClusterContainsServicesException('The Cluster cannot be deleted while Services are active.');
  }
  if (activity.liveTasks > 0) {
    throw new ClusterContainsTasksException('The Cluster cannot be deleted while Tasks are active.');
  }
  if (registeredInstancesCount(store, scope, current) > 0) {
    throw new ClusterContainsContainerInstancesException(
      'The Cluster cannot be deleted while Container Instances are active or draining.',
    );
  }
  const next: ClusterRecord = { ...current, status: 'INACTIVE' };
  store.clusters.put(current.clusterName, next);
  return { cluster: view(store, next) };
}

/**
 * A cluster's capacity providers and default strategy: FARGATE, FARGATE_SPOT and the account's ACTIVE
 * providers, an account provider in one cluster only (ECS: "created but not associated with another cluster").
 */
function clusterCapacity(
  store: EcsStore,
  clusterName: string,
  providers: readonly string[],
  strategy: Parameters<typeof validateCapacityProviders>[1],
): ReturnType<typeof validateCapacityProviders> {
  const capacity = validateCapacityProviders(
    providers,
    strategy,
    (name) => store.capacityProviders.get(name)?.status === 'ACTIVE',
  );
  for (const name of capacity.capacityProviders) {
    if (!store.capacityProviders.has(name)) continue;
    const other = [...store.clusters.values()].find(
      (c) => c.status === 'ACTIVE' && c.clusterName !== clusterName && (c.capacityProviders ?? []).includes(name),
    );
    if (other) {
      throw new InvalidParameterException(
        `The specified capacity provider '${name}' is already associated with cluster '${other.clusterName}'. A capacity provider that uses an Auto Scaling group can be associated with one cluster only.`,
      );
    }
  }
  return capacity;
}

/** PutClusterCapacityProviders may only drop providers no live task or service of the cluster uses. */
function assertRemovable(store: EcsStore, cluster: ClusterRecord, keep: readonly string[]): void {
  const removed = new Set((cluster.capacityProviders ?? []).filter((name) => !keep.includes(name)));
  if (removed.size === 0) return;
  const usedByTask = [...store.tasks.values()].some(
    (t) =>
      t.clusterArn === cluster.clusterArn &&
      t.lastStatus !== 'STOPPED' &&
      t.capacityProviderName !== undefined &&
      removed.has(t.capacityProviderName),
  );
  const usedByService = [...store.services.values()].some(
    (s) =>
      s.clusterArn === cluster.clusterArn &&
      (s.status === 'ACTIVE' || s.status === 'DRAINING') &&
      (s.capacityProviderStrategy ?? []).some((item) => removed.has(item.capacityProvider!)),
  );
  if (usedByTask || usedByService) {
    throw new ResourceInUseException('The specified capacity provider is in use and cannot be removed.');
  }
}
