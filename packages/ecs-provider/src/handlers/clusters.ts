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
import { ClusterContainsServicesException, ClusterContainsTasksException } from '../errors';
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

/** Task and service handlers find their cluster with this. */
export { resolveCluster };

/** What create and update operations show: everything but the statistics. */
const FULL_VIEW: ReadonlySet<ClusterField> = new Set(['TAGS', 'SETTINGS', 'CONFIGURATIONS']);

function view(store: EcsStore, record: ClusterRecord, include: ReadonlySet<ClusterField> = FULL_VIEW): Cluster {
  return clusterView(
    record,
    clusterActivity(record.clusterArn, store.tasks.values(), store.services.values()),
    include,
  );
}

export function createCluster(input: CreateClusterRequest, { store, scope }: EcsScope): CreateClusterResponse {
  const name = input.clusterName ?? DEFAULT_CLUSTER_NAME;
  validateClusterName(name);
  const existing = store.clusters.get(name);
  // CreateCluster is idempotent for an ACTIVE cluster of the same name, as in ECS.
  if (existing && existing.status === 'ACTIVE') return { cluster: view(store, existing) };
  const tags = mergeTags([], input.tags ?? []);
  const capacity = validateCapacityProviders(
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
  if (input.serviceConnectDefaults)
    fields.serviceConnectDefaults = { namespace: input.serviceConnectDefaults.namespace };
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

export function updateCluster(input: UpdateClusterRequest, { store, scope }: EcsScope): UpdateClusterResponse {
  const current = resolveCluster({ store, scope }, input.cluster);
  const next: ClusterRecord = { ...current };
  if (input.settings) next.settings = mergeClusterSettings(current.settings ?? [], input.settings);
  if (input.configuration) next.configuration = { ...current.configuration, ...input.configuration };
  if (input.serviceConnectDefaults) next.serviceConnectDefaults = { namespace: input.serviceConnectDefaults.namespace };
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
  const capacity = validateCapacityProviders(
    input.capacityProviders ?? [],
    input.defaultCapacityProviderStrategy ?? [],
  );
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
  const next: ClusterRecord = { ...current, status: 'INACTIVE' };
  store.clusters.put(current.clusterName, next);
  return { cluster: view(store, next) };
}
