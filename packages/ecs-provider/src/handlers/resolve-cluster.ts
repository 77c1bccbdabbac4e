import { clusterArn, isArn, parseArn, inScope, type Scope } from '../arn';
import { ClusterNotFoundException } from '../errors';
import { DEFAULT_CLUSTER_NAME, validateClusterName } from '../domain/cluster';
import { effectiveSettingValue } from './account-settings';
import type { ClusterRecord } from '../store/records';
import type { EcsStore } from '../store/ecs-store';
import type { EcsScope } from '../ecs-scope';

/**
 * The cluster an operation names: a name or an ARN, `default` when the operation's cluster is optional
 * and omitted. With `createDefault`, the `default` cluster is created on first use, as ECS does. Only
 * ACTIVE clusters are found (unless `includeInactive`); anything else is ClusterNotFoundException.
 * Task and service handlers use this too.
 */
export function resolveCluster(
  { store, scope }: Pick<EcsScope, 'store' | 'scope'>,
  clusterInput: string | undefined,
  options: { createDefault?: boolean; includeInactive?: boolean } = {},
): ClusterRecord {
  const name = clusterNameInScope(clusterInput ?? DEFAULT_CLUSTER_NAME, scope);
  const existing = name === undefined ? undefined : store.clusters.get(name);
  if (existing && (existing.status === 'ACTIVE' || options.includeInactive)) return existing;
  if (name === DEFAULT_CLUSTER_NAME && options.createDefault && (!existing || existing.status === 'INACTIVE')) {
    return createClusterRecord(store, scope, DEFAULT_CLUSTER_NAME, {});
  }
  throw new ClusterNotFoundException(existing ? 'The referenced cluster was inactive.' : 'Cluster not found.');
}

/** The cluster name a name or ARN refers to in this account and region; undefined for another one's ARN. */
export function clusterNameInScope(nameOrArn: string, scope: Scope): string | undefined {
  if (!isArn(nameOrArn)) return nameOrArn;
  const parsed = parseArn(nameOrArn);
  if (!parsed || parsed.resourceType !== 'cluster' || !inScope(parsed, scope)) return undefined;
  return parsed.resource;
}

/** Stores a new ACTIVE cluster (replacing an INACTIVE one of the same name) and returns it. */
export function createClusterRecord(
  store: EcsStore,
  scope: Scope,
  name: string,
  fields: Partial<Omit<ClusterRecord, 'clusterArn' | 'clusterName' | 'status' | 'createdAt'>>,
): ClusterRecord {
  validateClusterName(name);
  const record: ClusterRecord = {
    clusterArn: clusterArn(scope, name),
    clusterName: name,
    status: 'ACTIVE',
    settings: [{ name: 'containerInsights', value: effectiveSettingValue(store, scope, 'containerInsights') }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
    tags: [],
    ...fields,
    createdAt: new Date(),
  };
  store.clusters.put(name, record);
  return record;
}
