import type {
  CreateServiceRequest,
  CreateTaskSetRequest,
  CreateTaskSetResponse,
  DeleteTaskSetRequest,
  DeleteTaskSetResponse,
  DescribeTaskSetsRequest,
  DescribeTaskSetsResponse,
  Failure,
  Scale,
  Service,
  TaskDefinition,
  TaskSet,
  UpdateServicePrimaryTaskSetRequest,
  UpdateServicePrimaryTaskSetResponse,
  UpdateTaskSetRequest,
  UpdateTaskSetResponse,
} from '@aws-sdk/client-ecs';
import { quoted } from '@localcloud/gateway';
import { inScope, isArn, parseArn, rootPrincipalArn, serviceArn, taskSetArn } from '../arn';
import type { EcsScope } from '../ecs-scope';
import { InvalidParameterException, ServiceNotActiveException, TaskSetNotFoundException } from '../errors';
import { chooseLaunch } from '../domain/launch-type';
import { validateNetworkConfiguration } from '../domain/run-request';
import { newDeploymentId, tasksOfService } from '../domain/service';
import { validateTags } from '../domain/tags';
import { computedDesiredCount, taskSetView, usesTaskSets, type TaskSetRecord } from '../domain/task-sets';
import type { ClusterRecord, ServiceRecord } from '../store/records';
import { resolveCluster } from './resolve-cluster';
import { activeDefinition, findService } from './services';

/*
 * CreateTaskSet, DescribeTaskSets, UpdateTaskSet, DeleteTaskSet and UpdateServicePrimaryTaskSet, for
 * services whose deployment controller is EXTERNAL or CODE_DEPLOY. The task sets live on the service
 * record; the scheduler's task set step (scheduler/task-sets.ts) runs each one's tasks.
 * Local: there is no CodeDeploy, so a CODE_DEPLOY service's task sets are managed with these operations
 * by whoever plays CodeDeploy's part, exactly as for an EXTERNAL service.
 */

type Found = { key: string; record: ServiceRecord; cluster: ClusterRecord };

function taskSetService(ecs: EcsScope, clusterInput: string | undefined, service: string): Found {
  const cluster = resolveCluster(ecs, clusterInput);
  const { key, record } = findService(ecs, cluster, service);
  if (record.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
  if (!usesTaskSets(record)) {
    throw new InvalidParameterException(
      'Amazon ECS only supports task set management on services configured to use external deployment controller.',
    );
  }
  return { key, record: structuredClone(record), cluster };
}

function taskSetsOf(record: ServiceRecord): TaskSetRecord[] {
  return (record.taskSets ?? []) as TaskSetRecord[];
}

/** A task set by id (`ecs-svc/…`) or ARN. */
function findTaskSet(ecs: EcsScope, found: Found, reference: string): TaskSetRecord | undefined {
  let id = reference;
  if (isArn(reference)) {
    const parsed = parseArn(reference);
    if (!parsed || parsed.resourceType !== 'task-set' || !inScope(parsed, ecs.scope)) return undefined;
    const prefix = `${found.cluster.clusterName}/${found.record.serviceName}/`;
    if (!parsed.resource.startsWith(prefix)) return undefined;
    id = parsed.resource.slice(prefix.length);
  }
  return taskSetsOf(found.record).find((s) => s.id === id);
}

function requireTaskSet(ecs: EcsScope, found: Found, reference: string): TaskSetRecord {
  const taskSet = findTaskSet(ecs, found, reference);
  if (!taskSet) throw new TaskSetNotFoundException(`The specified task set ${quoted(reference)} does not exist.`);
  return taskSet;
}

function validScale(scale: Scale | undefined): Scale {
  const value = scale?.value ?? 0;
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidParameterException('The scale value must be between 0 and 100.');
  }
  return { value, unit: scale?.unit ?? 'PERCENT' };
}

function save(ecs: EcsScope, found: Found): void {
  ecs.store.services.put(found.key, found.record);
  ecs.scheduler?.kick();
}

function view(ecs: EcsScope, found: Found, taskSet: TaskSetRecord, tags = false): TaskSet {
  const tasks = tasksOfService(found.record, ecs.tasks, found.cluster.clusterName);
  return taskSetView(found.record, taskSet, tasks, { tags });
}

/** A new task set: the task definition, launch and network of `input`, at its scale. */
function newTaskSet(
  ecs: EcsScope,
  cluster: ClusterRecord,
  serviceName: string,
  input: Pick<
    CreateTaskSetRequest,
    | 'launchType'
    | 'capacityProviderStrategy'
    | 'networkConfiguration'
    | 'platformVersion'
    | 'loadBalancers'
    | 'serviceRegistries'
    | 'externalId'
    | 'scale'
    | 'tags'
  >,
  definition: TaskDefinition,
  startedBy?: string,
): TaskSetRecord {
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw new InvalidParameterException(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  const launch = chooseLaunch({
    launchType: input.launchType,
    capacityProviderStrategy: input.capacityProviderStrategy,
    clusterDefaultStrategy: cluster.defaultCapacityProviderStrategy,
    definition,
  });
  validateNetworkConfiguration(definition, input.networkConfiguration, ecs.strict);
  const fargate = launch.launchType === 'FARGATE';
  const now = new Date();
  const id = newDeploymentId();
  const record: TaskSetRecord = {
    id,
    taskSetArn: taskSetArn(ecs.scope, cluster.clusterName, serviceName, id),
    serviceArn: serviceArn(ecs.scope, cluster.clusterName, serviceName),
    clusterArn: cluster.clusterArn,
    status: 'ACTIVE',
    taskDefinition: definition.taskDefinitionArn!,
    launchType: launch.capacityProviderStrategy ? undefined : launch.launchType,
    capacityProviderStrategy: launch.capacityProviderStrategy,
    platformVersion: fargate ? (input.platformVersion ?? 'LATEST') : undefined,
    platformFamily: fargate ? 'Linux' : undefined,
    networkConfiguration: input.networkConfiguration,
    loadBalancers: input.loadBalancers ?? [],
    serviceRegistries: input.serviceRegistries ?? [],
    scale: validScale(input.scale),
    stabilityStatus: 'STABILIZING',
    stabilityStatusAt: now,
    createdAt: now,
    updatedAt: now,
    tags: validateTags(input.tags),
  };
  if (input.externalId !== undefined) record.externalId = input.externalId;
  if (startedBy) record.startedBy = startedBy;
  return record;
}

export function createTaskSet(input: CreateTaskSetRequest, ecs: EcsScope): CreateTaskSetResponse {
  const found = taskSetService(ecs, input.cluster, input.service!);
  const definition = activeDefinition(ecs, input.taskDefinition!);
  const taskSet = newTaskSet(ecs, found.cluster, found.record.serviceName!, input, definition);
  found.record.taskSets = [...taskSetsOf(found.record), taskSet];
  save(ecs, found);
  return { taskSet: view(ecs, found, taskSet, true) };
}

export function describeTaskSets(input: DescribeTaskSetsRequest, ecs: EcsScope): DescribeTaskSetsResponse {
  const found = taskSetService(ecs, input.cluster, input.service!);
  const tags = input.include?.includes('TAGS') ?? false;
  if (!input.taskSets?.length) {
    return { taskSets: taskSetsOf(found.record).map((s) => view(ecs, found, s, tags)), failures: [] };
  }
  const taskSets: TaskSet[] = [];
  const failures: Failure[] = [];
  for (const reference of input.taskSets) {
    const taskSet = findTaskSet(ecs, found, reference);
    if (taskSet) taskSets.push(view(ecs, found, taskSet, tags));
    else failures.push({ arn: quoted(reference), reason: 'MISSING' });
  }
  return { taskSets, failures };
}

export function updateTaskSet(input: UpdateTaskSetRequest, ecs: EcsScope): UpdateTaskSetResponse {
  const found = taskSetService(ecs, input.cluster, input.service!);
  const taskSet = requireTaskSet(ecs, found, input.taskSet!);
  if (taskSet.status === 'DRAINING') throw new InvalidParameterException('The task set is being deleted.');
  taskSet.scale = validScale(input.scale);
  taskSet.updatedAt = new Date();
  save(ecs, found);
  return { taskSet: view(ecs, found, taskSet) };
}

export function deleteTaskSet(input: DeleteTaskSetRequest, ecs: EcsScope): DeleteTaskSetResponse {
  const found = taskSetService(ecs, input.cluster, input.service!);
  const taskSet = requireTaskSet(ecs, found, input.taskSet!);
  if (!input.force && taskSet.status !== 'DRAINING' && computedDesiredCount(found.record, taskSet) > 0) {
    throw new InvalidParameterException(
      'The task set cannot be deleted while it is scaled above 0. Scale it to 0 or use force.',
    );
  }
  taskSet.status = 'DRAINING';
  taskSet.updatedAt = new Date();
  save(ecs, found);
  return { taskSet: view(ecs, found, taskSet) };
}

/** The task set becomes PRIMARY (the previous one ACTIVE) and the service shows its settings. */
export function updateServicePrimaryTaskSet(
  input: UpdateServicePrimaryTaskSetRequest,
  ecs: EcsScope,
): UpdateServicePrimaryTaskSetResponse {
  const found = taskSetService(ecs, input.cluster, input.service!);
  const taskSet = requireTaskSet(ecs, found, input.primaryTaskSet!);
  if (taskSet.status === 'DRAINING') {
    throw new InvalidParameterException('A task set that is being deleted cannot be the primary task set.');
  }
  const now = new Date();
  for (const other of taskSetsOf(found.record)) {
    if (other.status === 'PRIMARY' && other !== taskSet) {
      other.status = 'ACTIVE';
      other.updatedAt = now;
    }
  }
  taskSet.status = 'PRIMARY';
  taskSet.updatedAt = now;
  adoptPrimary(found.record, taskSet);
  save(ecs, found);
  return { taskSet: view(ecs, found, taskSet) };
}

/** The service shows its primary task set's settings, as ECS transitions them. */
function adoptPrimary(service: ServiceRecord, taskSet: TaskSetRecord): void {
  service.taskDefinition = taskSet.taskDefinition;
  service.launchType = taskSet.launchType;
  service.capacityProviderStrategy = taskSet.capacityProviderStrategy;
  service.platformVersion = taskSet.platformVersion;
  service.platformFamily = taskSet.platformFamily;
  service.networkConfiguration = taskSet.networkConfiguration;
  service.loadBalancers = taskSet.loadBalancers;
  service.serviceRegistries = taskSet.serviceRegistries;
}

/**
 * CreateService of an EXTERNAL service: no task definition, launch or network of its own (those belong
 * to its task sets), no deployments; it runs nothing until a task set is created.
 */
export function externalServiceRecord(
  ecs: EcsScope,
  cluster: ClusterRecord,
  request: CreateServiceRequest,
  desiredCount: number,
): ServiceRecord {
  const now = new Date();
  return {
    serviceArn: serviceArn(ecs.scope, cluster.clusterName, request.serviceName!),
    serviceName: request.serviceName!,
    clusterArn: cluster.clusterArn,
    loadBalancers: request.loadBalancers ?? [],
    serviceRegistries: request.serviceRegistries ?? [],
    status: 'ACTIVE',
    desiredCount,
    runningCount: 0,
    pendingCount: 0,
    launchType: request.launchType,
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      ...request.deploymentConfiguration,
    },
    taskSets: [],
    deployments: [],
    roleArn: request.role,
    events: [],
    createdAt: now,
    placementConstraints: request.placementConstraints ?? [],
    placementStrategy: request.placementStrategy ?? [],
    healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'EXTERNAL' },
    tags: validateTags(request.tags),
    createdBy: rootPrincipalArn(ecs.scope),
    enableECSManagedTags: request.enableECSManagedTags ?? false,
    propagateTags: request.propagateTags ?? 'NONE',
    enableExecuteCommand: request.enableExecuteCommand ?? false,
  };
}

/**
 * CreateService of a CODE_DEPLOY service: ECS creates its first task set, PRIMARY at 100 %, from the
 * service's own task definition, launch and network, in place of a deployment.
 */
export function asCodeDeployService(
  ecs: EcsScope,
  cluster: ClusterRecord,
  record: ServiceRecord,
  definition: TaskDefinition,
): void {
  const taskSet = newTaskSet(
    ecs,
    cluster,
    record.serviceName!,
    {
      launchType: record.capacityProviderStrategy?.length ? undefined : record.launchType,
      capacityProviderStrategy: record.capacityProviderStrategy,
      networkConfiguration: record.networkConfiguration,
      platformVersion: record.platformVersion,
      loadBalancers: record.loadBalancers,
      serviceRegistries: record.serviceRegistries,
      scale: { value: 100, unit: 'PERCENT' },
    },
    definition,
    'CodeDeploy',
  );
  taskSet.status = 'PRIMARY';
  record.deployments = [];
  record.taskSets = [taskSet];
}

/** UpdateService cannot deploy a task-set service: a new task definition is a new task set. */
export function assertNoTaskSetRedeploy(
  service: Service,
  input: {
    taskDefinition?: string;
    forceNewDeployment?: boolean;
    networkConfiguration?: unknown;
    platformVersion?: string;
    capacityProviderStrategy?: unknown[];
  },
): void {
  if (!usesTaskSets(service)) return;
  if (
    input.taskDefinition ||
    input.forceNewDeployment ||
    input.networkConfiguration ||
    input.platformVersion ||
    input.capacityProviderStrategy?.length
  ) {
    throw new InvalidParameterException(
      service.deploymentController?.type === 'CODE_DEPLOY'
        ? 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
        : 'Unable to update task definition on services with an EXTERNAL deployment controller. Create a task set instead.',
    );
  }
}
