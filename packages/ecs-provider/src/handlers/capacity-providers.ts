import type {
  CapacityProvider,
  CreateCapacityProviderRequest,
  CreateCapacityProviderResponse,
  DeleteCapacityProviderRequest,
  DeleteCapacityProviderResponse,
  DescribeCapacityProvidersRequest,
  DescribeCapacityProvidersResponse,
  Failure,
  UpdateCapacityProviderRequest,
  UpdateCapacityProviderResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { capacityProviderArn, inScope, isArn, parseArn, type Scope } from '../arn';
import { ClientException, InvalidParameterException, UnsupportedFeatureException } from '../errors';
import {
  BUILT_IN_CAPACITY_PROVIDERS,
  capacityProviderNameOf,
  describeBuiltInCapacityProvider,
  isBuiltInCapacityProvider,
} from '../domain/capacity-providers';
import {
  CAPACITY_PROVIDER_NOT_FOUND,
  newAutoScalingGroupProvider,
  updatedAutoScalingGroupProvider,
  validateCapacityProviderName,
  type CapacityProviderRecord,
} from '../domain/capacity-provider-rules';
import { mergeTags } from '../domain/tags';
import { paginate } from '../pagination';
import type { EcsStore } from '../store/ecs-store';
import type { ClusterRecord } from '../store/records';
import { registerTaggableResource } from './tags';

registerTaggableResource('capacity-provider', (store, name) => {
  const record = store.capacityProviders.get(name);
  if (!record || record.status !== 'ACTIVE') return undefined;
  return { tags: record.tags ?? [], save: (tags) => store.capacityProviders.put(name, { ...record, tags }) };
});

export function createCapacityProvider(
  input: CreateCapacityProviderRequest,
  { store, scope }: EcsScope,
): CreateCapacityProviderResponse {
  const name = input.name!;
  validateCapacityProviderName(name);
  if (input.managedInstancesProvider || input.cluster) {
    throw new UnsupportedFeatureException(
      'localcloud does not emulate Amazon ECS Managed Instances capacity providers (managedInstancesProvider, cluster); create an Auto Scaling group capacity provider (autoScalingGroupProvider) instead.',
    );
  }
  if (store.capacityProviders.get(name)?.status === 'ACTIVE') {
    throw new ClientException(
      'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
    );
  }
  const group = newAutoScalingGroupProvider(input.autoScalingGroupProvider);
  const taken = [...store.capacityProviders.values()].some(
    (p) => p.status === 'ACTIVE' && p.autoScalingGroupProvider?.autoScalingGroupArn === group.autoScalingGroupArn,
  );
  if (taken) {
    throw new ClientException(
      'The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again.',
    );
  }
  const record: CapacityProviderRecord = {
    capacityProviderArn: capacityProviderArn(scope, name),
    name,
    status: 'ACTIVE',
    autoScalingGroupProvider: group,
    updateStatus: 'CREATE_COMPLETE',
    tags: mergeTags([], input.tags ?? []),
    type: 'EC2_AUTOSCALING',
  };
  store.capacityProviders.put(name, record);
  return { capacityProvider: structuredClone(record) };
}

export function updateCapacityProvider(
  input: UpdateCapacityProviderRequest,
  { store, scope }: EcsScope,
): UpdateCapacityProviderResponse {
  if (input.managedInstancesProvider || input.cluster) {
    throw new UnsupportedFeatureException(
      'localcloud does not emulate Amazon ECS Managed Instances capacity providers (managedInstancesProvider, cluster).',
    );
  }
  const current = findAccountProvider(store, scope, input.name!);
  const next: CapacityProviderRecord = {
    ...current,
    autoScalingGroupProvider: updatedAutoScalingGroupProvider(
      current.autoScalingGroupProvider!,
      input.autoScalingGroupProvider,
    ),
    updateStatus: 'UPDATE_COMPLETE',
    updateStatusReason: undefined,
  };
  store.capacityProviders.put(current.name, next);
  return { capacityProvider: structuredClone(next) };
}

/**
 * As in ECS: a provider still associated with a cluster is not deleted; the call answers it with
 * `updateStatus: DELETE_FAILED` and the reason. Otherwise it is INACTIVE at once (there is no Auto
 * Scaling group to let go of): still describable by name, no longer listed, its name free again.
 */
export function deleteCapacityProvider(
  input: DeleteCapacityProviderRequest,
  { store, scope }: EcsScope,
): DeleteCapacityProviderResponse {
  if (input.cluster) {
    throw new UnsupportedFeatureException(
      'localcloud does not emulate Amazon ECS Managed Instances capacity providers (cluster).',
    );
  }
  const current = findAccountProvider(store, scope, input.capacityProvider!);
  const cluster = [...store.clusters.values()].find(
    (c) => c.status === 'ACTIVE' && (c.capacityProviders ?? []).includes(current.name),
  );
  if (cluster) {
    const failed: CapacityProviderRecord = {
      ...current,
      updateStatus: 'DELETE_FAILED',
      updateStatusReason: `The capacity provider cannot be deleted because it is associated with cluster: ${cluster.clusterName}. Remove the capacity provider from the cluster and try again.`,
    };
    store.capacityProviders.put(current.name, failed);
    return { capacityProvider: structuredClone(failed) };
  }
  const deleted: CapacityProviderRecord = {
    ...current,
    status: 'INACTIVE',
    updateStatus: 'DELETE_COMPLETE',
    updateStatusReason: undefined,
  };
  store.capacityProviders.put(current.name, deleted);
  return { capacityProvider: structuredClone(deleted) };
}

export function describeCapacityProviders(
  input: DescribeCapacityProvidersRequest,
  { store, scope }: EcsScope,
): DescribeCapacityProvidersResponse {
  if (input.cluster) {
    throw new UnsupportedFeatureException(
      'localcloud does not emulate Amazon ECS Managed Instances capacity providers (cluster).',
    );
  }
  const failures: Failure[] = [];
  const found: CapacityProvider[] = [];
  if (input.capacityProviders?.length) {
    for (const reference of input.capacityProviders) {
      const name = nameInScope(reference, scope);
      const record = name === undefined ? undefined : store.capacityProviders.get(name);
      if (name !== undefined && isBuiltInCapacityProvider(name))
        found.push(describeBuiltInCapacityProvider(scope, name));
      else if (record) found.push(structuredClone(record));
      else
        failures.push({ arn: isArn(reference) ? reference : capacityProviderArn(scope, reference), reason: 'MISSING' });
    }
  } else {
    // Without names: the built-in providers, then the account's ACTIVE ones.
    found.push(...BUILT_IN_CAPACITY_PROVIDERS.map((name) => describeBuiltInCapacityProvider(scope, name)));
    for (const record of store.capacityProviders.values()) {
      if (record.status === 'ACTIVE') found.push(structuredClone(record));
    }
  }
  if (!input.include?.includes('TAGS')) found.forEach((p) => delete p.tags);
  const page = paginate('DescribeCapacityProviders', found, (p) => p.name!, input, { defaultSize: 10, maxSize: 10 });
  return { capacityProviders: page.items, failures, nextToken: page.nextToken };
}

/** An ACTIVE capacity provider of the account by name or ARN; FARGATE and FARGATE_SPOT cannot be changed. */
function findAccountProvider(store: EcsStore, scope: Scope, reference: string): CapacityProviderRecord {
  const name = nameInScope(reference, scope);
  if (name !== undefined && isBuiltInCapacityProvider(name)) {
    throw new ClientException(
      `The ${name} capacity provider is reserved and cannot be changed or deleted. Disassociate it from a cluster with PutClusterCapacityProviders instead.`,
    );
  }
  const record = name === undefined ? undefined : store.capacityProviders.get(name);
  if (!record || record.status !== 'ACTIVE') throw new ClientException(CAPACITY_PROVIDER_NOT_FOUND);
  return record;
}

/** The name a capacity provider name or ARN refers to in this account and region; undefined for another's ARN. */
function nameInScope(reference: string, scope: Scope): string | undefined {
  if (!isArn(reference)) return reference;
  const parsed = parseArn(reference);
  if (!parsed || parsed.resourceType !== 'capacity-provider' || !inScope(parsed, scope)) return undefined;
  return parsed.resource;
}

/**
 * RunTask's strategy may name the account's providers only when they are associated with the cluster, as
 * in ECS. FARGATE and FARGATE_SPOT run whether associated or not (LocalStack's examples rely on it).
 */
export function assertStrategyUsable(
  { store }: Pick<EcsScope, 'store'>,
  cluster: ClusterRecord,
  strategy: readonly { capacityProvider?: string }[] | undefined,
): void {
  for (const item of strategy ?? []) {
    const name = capacityProviderNameOf(item.capacityProvider ?? '');
    if (isBuiltInCapacityProvider(name)) continue;
    if (store.capacityProviders.get(name)?.status !== 'ACTIVE' || !(cluster.capacityProviders ?? []).includes(name)) {
      throw new InvalidParameterException(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    }
  }
}
