import type {
  Cluster,
  CreateClusterRequest,
  CreateClusterResponse,
  ListClustersRequest,
  ListClustersResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { clusterArn } from '../arn';
import { InvalidParameterException } from '../errors';

const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export function createCluster(input: CreateClusterRequest, { store, scope }: EcsScope): CreateClusterResponse {
  const name = input.clusterName ?? 'default';
  if (!CLUSTER_NAME.test(name)) {
    throw new InvalidParameterException(
      'Cluster name must be 1-255 characters: letters (upper and lower case), numbers, hyphens and underscores.',
    );
  }
  const existing = store.clusters.get(name);
  // CreateCluster is idempotent for an ACTIVE cluster of the same name, as in ECS.
  if (existing && existing.status === 'ACTIVE') return { cluster: existing };
  const cluster: Cluster = {
    clusterArn: clusterArn(scope, name),
    clusterName: name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: 0,
    pendingTasksCount: 0,
    activeServicesCount: 0,
    statistics: [],
    tags: input.tags ?? [],
    settings: input.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: input.capacityProviders ?? [],
    defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy ?? [],
  };
  store.clusters.set(name, cluster);
  return { cluster };
}

export function listClusters(_input: ListClustersRequest, { store }: EcsScope): ListClustersResponse {
  const clusterArns = [...store.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.clusterArn!);
  return { clusterArns };
}
