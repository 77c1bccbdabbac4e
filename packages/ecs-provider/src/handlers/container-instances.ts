import { quoted } from '@localcloud/gateway';
import { randomBytes } from 'node:crypto';
import type {
  Attribute,
  ContainerInstance,
  DeleteAttributesRequest,
  DeleteAttributesResponse,
  DeregisterContainerInstanceRequest,
  DeregisterContainerInstanceResponse,
  DescribeContainerInstancesRequest,
  DescribeContainerInstancesResponse,
  Failure,
  ListAttributesRequest,
  ListAttributesResponse,
  ListContainerInstancesRequest,
  ListContainerInstancesResponse,
  PlacementConstraint,
  PutAttributesRequest,
  PutAttributesResponse,
  RegisterContainerInstanceRequest,
  RegisterContainerInstanceResponse,
  UpdateContainerInstancesStateRequest,
  UpdateContainerInstancesStateResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { containerInstanceArn, inScope, isArn, parseArn, type Scope } from '../arn';
import {
  AttributeLimitExceededException,
  ClientException,
  InvalidParameterException,
  TargetNotFoundException,
} from '../errors';
import { parseClusterQuery } from '../domain/cluster-query';
import {
  MAX_CUSTOM_ATTRIBUTES,
  allAttributes,
  containerInstanceView,
  instanceFacts,
  isOnInstance,
  localInstanceId,
  registeredResources,
  remainingResources,
  taskReservation,
  validateAttribute,
  type ContainerInstanceRecord,
  type EngineCapacity,
  type PlacedTask,
} from '../domain/container-instances';
import { choosePlacement, type PlacementCandidate } from '../domain/placement';
import { mergeTags } from '../domain/tags';
import { paginate } from '../pagination';
import { refOf, type TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import type { EcsStore } from '../store/ecs-store';
import type { ClusterRecord } from '../store/records';
import { resolveCluster } from './resolve-cluster';
import { registerTaggableResource } from './tags';

registerTaggableResource('container-instance', (store, key, scope) => {
  const [clusterName, id] = key.split('/');
  const cluster = clusterName ? store.clusters.get(clusterName) : undefined;
  const record = cluster && clusterInstances(store, scope, cluster).find((r) => r.id === id);
  if (!cluster || !record || record.status === 'INACTIVE') return undefined;
  return { tags: record.tags ?? [], save: (tags) => save(store, cluster, { ...record, tags }) };
});

// ---- the instances of a cluster ------------------------------------------------------------------

/** Every container instance of a cluster: its local one (the engine) first, then registered ones. */
export function clusterInstances(store: EcsStore, scope: Scope, cluster: ClusterRecord): ContainerInstanceRecord[] {
  if (cluster.status !== 'ACTIVE') return [];
  const local = localInstance(store, scope, cluster);
  const registered = [...store.containerInstances.entries()]
    .filter(([key, r]) => key.startsWith(`${cluster.clusterName}/`) && r.clusterArn === cluster.clusterArn)
    .map(([, r]) => r)
    .filter((r) => r.containerInstanceArn !== local.containerInstanceArn);
  return [local, ...registered.sort((a, b) => a.registeredAt.getTime() - b.registeredAt.getTime())];
}

/** The cluster's local instance: as stored once changed, else as it stands from the cluster's creation. */
function localInstance(store: EcsStore, scope: Scope, cluster: ClusterRecord): ContainerInstanceRecord {
  const id = localInstanceId(cluster.clusterArn, cluster.createdAt);
  return (
    store.containerInstances.get(`${cluster.clusterName}/${id}`) ?? {
      containerInstanceArn: containerInstanceArn(scope, cluster.clusterName, id),
      id,
      clusterArn: cluster.clusterArn,
      kind: 'local',
      status: 'ACTIVE',
      attributes: [],
      registeredAt: cluster.createdAt,
      version: 1,
      tags: [],
    }
  );
}

/** Registered instances that keep a cluster from being deleted (the local instance never does). */
export function registeredInstancesCount(store: EcsStore, scope: Scope, cluster: ClusterRecord): number {
  return clusterInstances(store, scope, cluster).filter((r) => r.kind === 'registered' && r.status !== 'INACTIVE')
    .length;
}

/** Instances counted by the cluster's `registeredContainerInstancesCount`. */
export function activeInstancesCount(store: EcsStore, scope: Scope, cluster: ClusterRecord): number {
  return clusterInstances(store, scope, cluster).filter((r) => r.status !== 'INACTIVE').length;
}

export function findInstance(
  store: EcsStore,
  scope: Scope,
  cluster: ClusterRecord,
  reference: string,
): ContainerInstanceRecord | undefined {
  let id = reference;
  if (isArn(reference)) {
    const parsed = parseArn(reference);
    if (!parsed || parsed.resourceType !== 'container-instance' || !inScope(parsed, scope)) return undefined;
    const [clusterName, instanceId] = parsed.resource.includes('/')
      ? parsed.resource.split('/')
      : [cluster.clusterName, parsed.resource];
    if (clusterName !== cluster.clusterName || !instanceId) return undefined;
    id = instanceId;
  }
  return clusterInstances(store, scope, cluster).find((r) => r.id === id);
}

function save(store: EcsStore, cluster: ClusterRecord, record: ContainerInstanceRecord): void {
  store.containerInstances.put(`${cluster.clusterName}/${record.id}`, record);
}

function view(ecs: EcsScope, record: ContainerInstanceRecord, engine: EngineCapacity | undefined, tags = false) {
  return containerInstanceView(record, engine, ecs.scope.region, [...ecs.store.tasks.values()], { tags });
}

// ---- operations ---------------------------------------------------------------------------------

export function listContainerInstances(
  input: ListContainerInstancesRequest,
  ecs: EcsScope,
): ListContainerInstancesResponse {
  const cluster = resolveCluster(ecs, input.cluster);
  const engine = ecs.engine?.current();
  const tasks = [...ecs.store.tasks.values()];
  const query = input.filter ? parseClusterQuery(input.filter) : undefined;
  const matching = clusterInstances(ecs.store, ecs.scope, cluster).filter(
    (r) =>
      (input.status ? r.status === input.status : r.status !== 'INACTIVE') &&
      (!query || query(instanceFacts(r, engine, ecs.scope.region, tasks))),
  );
  const page = paginate('ListContainerInstances', matching, (r) => r.containerInstanceArn, input, {
    defaultSize: 100,
    maxSize: 100,
  });
  return { containerInstanceArns: page.items.map((r) => r.containerInstanceArn), nextToken: page.nextToken };
}

export async function describeContainerInstances(
  input: DescribeContainerInstancesRequest,
  ecs: EcsScope,
): Promise<DescribeContainerInstancesResponse> {
  const references = input.containerInstances ?? [];
  if (references.length === 0) throw new InvalidParameterException('containerInstances can not be empty.');
  if (references.length > 100) throw new InvalidParameterException('containerInstances can have at most 100 items.');
  const cluster = resolveCluster(ecs, input.cluster);
  const engine = (await ecs.engine?.refresh()) ?? ecs.engine?.current();
  const containerInstances: ContainerInstance[] = [];
  const failures: Failure[] = [];
  for (const reference of references) {
    const record = findInstance(ecs.store, ecs.scope, cluster, reference);
    if (!record) {
      failures.push({ arn: reference, reason: 'MISSING' });
      continue;
    }
    const instance = view(ecs, record, engine, input.include?.includes('TAGS'));
    if (input.include?.includes('CONTAINER_INSTANCE_HEALTH')) {
      // The local engine's health is whether it answers; registered instances have no agent to ask.
      const status = record.kind === 'local' && !engine ? 'IMPAIRED' : 'OK';
      const now = new Date();
      instance.healthStatus = {
        overallStatus: status,
        details: [{ type: 'CONTAINER_RUNTIME', status, lastUpdated: now, lastStatusChange: record.registeredAt }],
      };
    }
    containerInstances.push(instance);
  }
  return { containerInstances, failures };
}

/**
 * DRAINING stops placing tasks on the instance, and the scheduler replaces the service tasks on it as a
 * deployment replaces tasks (within minimumHealthyPercent and maximumPercent); standalone tasks keep
 * running. ACTIVE again takes tasks again.
 */
export function updateContainerInstancesState(
  input: UpdateContainerInstancesStateRequest,
  ecs: EcsScope,
): UpdateContainerInstancesStateResponse {
  const references = input.containerInstances ?? [];
  if (references.length === 0) throw new InvalidParameterException('containerInstances can not be empty.');
  if (references.length > 10) throw new InvalidParameterException('containerInstances can have at most 10 items.');
  if (input.status !== 'ACTIVE' && input.status !== 'DRAINING') {
    throw new InvalidParameterException('Container instances can only be updated to ACTIVE or DRAINING.');
  }
  const cluster = resolveCluster(ecs, input.cluster);
  const engine = ecs.engine?.current();
  const containerInstances: ContainerInstance[] = [];
  const failures: Failure[] = [];
  for (const reference of references) {
    const record = findInstance(ecs.store, ecs.scope, cluster, reference);
    if (!record || record.status === 'INACTIVE') {
      failures.push({ arn: reference, reason: 'MISSING' });
      continue;
    }
    const next: ContainerInstanceRecord =
      record.status === input.status ? record : { ...record, status: input.status, version: record.version + 1 };
    save(ecs.store, cluster, next);
    markServiceTasks(ecs, next.containerInstanceArn, input.status === 'DRAINING');
    containerInstances.push(view(ecs, next, engine));
  }
  return { containerInstances, failures };
}

export function registerContainerInstance(
  input: RegisterContainerInstanceRequest,
  ecs: EcsScope,
): RegisterContainerInstanceResponse {
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: true });
  const identity = identityDocument(input.instanceIdentityDocument);
  const attributes = customAttributes([], input.attributes ?? []);
  const engine = ecs.engine?.current();
  const instances = clusterInstances(ecs.store, ecs.scope, cluster);
  const existing = input.containerInstanceArn
    ? findInstance(ecs.store, ecs.scope, cluster, input.containerInstanceArn)
    : instances.find(
        (r) => r.kind === 'registered' && r.status !== 'INACTIVE' && identity.instanceId === r.ec2InstanceId,
      );
  if (input.containerInstanceArn && (!existing || existing.kind !== 'registered')) {
    throw new ClientException('The referenced container instance was not found in the cluster.');
  }
  const id = existing?.id ?? randomBytes(16).toString('hex');
  const record: ContainerInstanceRecord = {
    containerInstanceArn: containerInstanceArn(ecs.scope, cluster.clusterName, id),
    id,
    clusterArn: cluster.clusterArn,
    kind: 'registered',
    ec2InstanceId: identity.instanceId ?? existing?.ec2InstanceId ?? `i-${randomBytes(9).toString('hex').slice(0, 17)}`,
    status: existing?.status === 'DRAINING' ? 'DRAINING' : 'ACTIVE',
    attributes: existing ? customAttributes(existing.attributes, input.attributes ?? []) : attributes,
    totalResources: input.totalResources?.length ? input.totalResources : existing?.totalResources,
    versionInfo: input.versionInfo ?? existing?.versionInfo,
    availabilityZone: identity.availabilityZone ?? existing?.availabilityZone,
    instanceType: identity.instanceType ?? existing?.instanceType,
    registeredAt: existing?.registeredAt ?? new Date(),
    version: (existing?.version ?? 0) + 1,
    tags: mergeTags(existing?.tags ?? [], input.tags ?? []),
  };
  save(ecs.store, cluster, record);
  return { containerInstance: view(ecs, record, engine, true) };
}

export function deregisterContainerInstance(
  input: DeregisterContainerInstanceRequest,
  ecs: EcsScope,
): DeregisterContainerInstanceResponse {
  const cluster = resolveCluster(ecs, input.cluster);
  const record = findInstance(ecs.store, ecs.scope, cluster, input.containerInstance!);
  if (!record || record.status === 'INACTIVE') {
    throw new InvalidParameterException('The referenced container instance was not found in the cluster.');
  }
  const live = [...ecs.store.tasks.values()].filter(
    (t) => isOnInstance(t, record.containerInstanceArn) && t.desiredStatus === 'RUNNING',
  );
  if (live.length > 0 && !input.force) {
    throw new InvalidParameterException('Found running tasks on the instance.');
  }
  const next: ContainerInstanceRecord = { ...record, status: 'INACTIVE', version: record.version + 1 };
  save(ecs.store, cluster, next);
  // Forced: the instance's service tasks are replaced elsewhere, as for a drain; standalone ones run on.
  markServiceTasks(ecs, record.containerInstanceArn, true);
  return { containerInstance: view(ecs, next, ecs.engine?.current()) };
}

export function putAttributes(input: PutAttributesRequest, ecs: EcsScope): PutAttributesResponse {
  const attributes = input.attributes ?? [];
  if (attributes.length > 10) throw new InvalidParameterException('attributes can have at most 10 items.');
  const cluster = resolveCluster(ecs, input.cluster);
  const targets = attributes.map((attribute) => {
    validateAttribute(attribute);
    return { attribute, target: attributeTarget(ecs, cluster, attribute) };
  });
  const changed = new Map<string, ContainerInstanceRecord>();
  for (const { attribute, target } of targets) {
    const current = changed.get(target.id) ?? target;
    changed.set(target.id, { ...current, attributes: customAttributes(current.attributes, [attribute]) });
  }
  for (const record of changed.values()) save(ecs.store, cluster, { ...record, version: record.version + 1 });
  return {
    attributes: targets.map(({ attribute, target }) => ({
      ...attribute,
      targetType: 'container-instance',
      targetId: target.containerInstanceArn,
    })),
  };
}

export function deleteAttributes(input: DeleteAttributesRequest, ecs: EcsScope): DeleteAttributesResponse {
  const attributes = input.attributes ?? [];
  const cluster = resolveCluster(ecs, input.cluster);
  const targets = attributes.map((attribute) => ({ attribute, target: attributeTarget(ecs, cluster, attribute) }));
  const changed = new Map<string, ContainerInstanceRecord>();
  for (const { attribute, target } of targets) {
    const current = changed.get(target.id) ?? target;
    changed.set(target.id, { ...current, attributes: current.attributes.filter((a) => a.name !== attribute.name) });
  }
  for (const record of changed.values()) save(ecs.store, cluster, { ...record, version: record.version + 1 });
  return {
    attributes: targets.map(({ attribute, target }) => ({
      ...attribute,
      targetType: 'container-instance',
      targetId: target.containerInstanceArn,
    })),
  };
}

export function listAttributes(input: ListAttributesRequest, ecs: EcsScope): ListAttributesResponse {
  if (input.targetType !== 'container-instance') {
    throw new InvalidParameterException('targetType must be container-instance.');
  }
  if (input.attributeValue !== undefined && input.attributeName === undefined) {
    throw new InvalidParameterException('attributeValue can only be specified together with attributeName.');
  }
  const cluster = resolveCluster(ecs, input.cluster);
  const engine = ecs.engine?.current();
  const found: Attribute[] = [];
  for (const record of clusterInstances(ecs.store, ecs.scope, cluster)) {
    if (record.status === 'INACTIVE') continue;
    for (const attribute of allAttributes(record, engine, ecs.scope.region)) {
      if (input.attributeName !== undefined && attribute.name !== input.attributeName) continue;
      if (input.attributeValue !== undefined && attribute.value !== input.attributeValue) continue;
      found.push({ ...attribute, targetType: 'container-instance', targetId: record.containerInstanceArn });
    }
  }
  const page = paginate('ListAttributes', found, (a) => `${a.targetId} ${a.name}`, input, {
    defaultSize: 100,
    maxSize: 100,
  });
  return { attributes: page.items, nextToken: page.nextToken };
}

// ---- placement ----------------------------------------------------------------------------------

/** What a new task needs from placement. */
export interface TaskToPlace {
  readonly group?: string;
  readonly reservation: { cpu: number; memory: number };
}

/**
 * Places `tasks` on the cluster's instances one after another (RunTask): each gets an instance ARN, or
 * undefined with the failures that kept it from every instance.
 */
export function placeTasks(
  ecs: Pick<EcsScope, 'store' | 'scope' | 'engine' | 'strict'>,
  cluster: ClusterRecord,
  constraints: readonly PlacementConstraint[],
  tasks: readonly TaskToPlace[],
  /** The tasks already on the cluster's instances; all stored tasks when absent. */
  placed?: readonly PlacedTask[],
): { placements: (string | undefined)[]; failures: Failure[] } {
  const engine = ecs.engine?.current();
  const existing: PlacedTask[] = [...(placed ?? ecs.store.tasks.values())];
  const chosen: string[] = [];
  const failures: Failure[] = [];
  const placements = tasks.map((task) => {
    const candidates = candidatesOf(ecs, cluster, engine, existing);
    const result = choosePlacement(candidates, {
      constraints,
      reservation: task.reservation,
      group: task.group,
      chosen,
      checkResources: ecs.strict,
    });
    if ('failures' in result) {
      for (const failure of result.failures) {
        if (!failures.some((f) => f.arn === failure.arn && f.reason === failure.reason)) failures.push(failure);
      }
      return undefined;
    }
    chosen.push(result.containerInstanceArn);
    // Later tasks of the same request see this one's reservation and group.
    existing.push({
      containerInstanceArn: result.containerInstanceArn,
      lastStatus: 'PROVISIONING',
      group: task.group,
      cpu: String(task.reservation.cpu),
      memory: String(task.reservation.memory),
    });
    return result.containerInstanceArn;
  });
  return { placements, failures };
}

function candidatesOf(
  ecs: Pick<EcsScope, 'store' | 'scope'>,
  cluster: ClusterRecord,
  engine: EngineCapacity | undefined,
  tasks: readonly PlacedTask[],
): PlacementCandidate[] {
  return clusterInstances(ecs.store, ecs.scope, cluster).map((record) => ({
    record,
    facts: instanceFacts(record, engine, ecs.scope.region, tasks),
    remaining: remainingResources(
      registeredResources(record, engine),
      tasks.filter((t) => isOnInstance(t, record.containerInstanceArn)),
    ),
  }));
}

/**
 * Places a task the scheduler launched (a service task of the EC2 or EXTERNAL launch type without an
 * instance yet), honouring the service's placement constraints. Returns the reason when none fits.
 */
export function placeLaunchedTask(
  ecs: Pick<EcsScope, 'store' | 'scope' | 'engine' | 'strict'>,
  task: TaskRecord,
): { containerInstanceArn: string } | { reason: string } {
  const clusterName = parseArn(task.clusterArn)?.resource ?? '';
  const cluster = ecs.store.clusters.get(clusterName);
  if (!cluster) return { reason: 'The cluster of the task no longer exists.' };
  const service = task.group?.startsWith('service:')
    ? ecs.store.services.get(`${clusterName}/${task.group.slice('service:'.length)}`)
    : undefined;
  const others = [...ecs.store.tasks.values()].filter((t) => t.taskArn !== task.taskArn);
  const { placements, failures } = placeTasks(
    ecs,
    cluster,
    service?.placementConstraints ?? [],
    [{ group: task.group, reservation: taskReservation(task) }],
    others,
  );
  const placed = placements[0];
  if (placed) return { containerInstanceArn: placed };
  const reasons = failures.map((f) => f.reason).join(', ');
  return {
    reason: `Unable to place a task because no container instance met all of its requirements (${reasons}).`,
  };
}

/** Marks (or unmarks) the service tasks on an instance so the scheduler replaces them. */
function markServiceTasks(ecs: Pick<EcsScope, 'store' | 'tasks'>, instanceArn: string, draining: boolean): void {
  const runtime: Pick<TaskRuntime, 'mutate'> = ecs.tasks.runtime;
  for (const task of [...ecs.store.tasks.values()]) {
    if (!isOnInstance(task, instanceArn) || !task.group?.startsWith('service:')) continue;
    if ((task.containerInstanceDraining ?? false) === draining) continue;
    runtime.mutate(refOf(task), (r) => {
      if (draining) r.containerInstanceDraining = true;
      else delete r.containerInstanceDraining;
    });
  }
}

// ---- helpers ------------------------------------------------------------------------------------

/** Custom attributes after setting `given` (by name), at most 10. */
function customAttributes(current: readonly Attribute[], given: readonly Attribute[]): Attribute[] {
  const byName = new Map(current.map((a) => [a.name!, a]));
  for (const attribute of given) {
    validateAttribute(attribute);
    byName.set(
      attribute.name!,
      attribute.value === undefined ? { name: attribute.name } : { name: attribute.name, value: attribute.value },
    );
  }
  if (byName.size > MAX_CUSTOM_ATTRIBUTES) {
    throw new AttributeLimitExceededException(
      `You can apply up to ${MAX_CUSTOM_ATTRIBUTES} custom attributes for each resource.`,
    );
  }
  return [...byName.values()];
}

function attributeTarget(ecs: EcsScope, cluster: ClusterRecord, attribute: Attribute): ContainerInstanceRecord {
  if (!attribute.targetId) throw new InvalidParameterException('targetId must be specified for each attribute.');
  const record = findInstance(ecs.store, ecs.scope, cluster, attribute.targetId);
  if (!record || record.status === 'INACTIVE') {
    throw new TargetNotFoundException(
      `Could not find ${quoted(attribute.targetId ?? '')}. TargetIds must be valid and belong to the same cluster.`,
    );
  }
  return record;
}

interface IdentityDocument {
  instanceId?: string;
  availabilityZone?: string;
  instanceType?: string;
}

function identityDocument(text: string | undefined): IdentityDocument {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidParameterException('instanceIdentityDocument is not a valid instance identity document.');
  }
  const doc = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const text_ = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  return {
    instanceId: text_(doc.instanceId),
    availabilityZone: text_(doc.availabilityZone),
    instanceType: text_(doc.instanceType),
  };
}
