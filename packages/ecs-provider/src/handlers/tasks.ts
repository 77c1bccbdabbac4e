import type {
  DescribeTasksRequest,
  DescribeTasksResponse,
  Failure,
  LaunchType,
  ListTasksRequest,
  ListTasksResponse,
  NetworkConfiguration,
  RunTaskRequest,
  RunTaskResponse,
  StartTaskRequest,
  StartTaskResponse,
  StopTaskRequest,
  StopTaskResponse,
  Tag,
  TaskDefinition,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { clusterNameOf, parseArn } from '../arn';
import { ClientException, InvalidParameterException, ServerException } from '../errors';
import { chooseLaunch } from '../domain/launch-type';
import { assertStrategyUsable } from './capacity-providers';
import { findInstance, placeTasks } from './container-instances';
import { taskReservation } from '../domain/container-instances';
import { newTaskRecord } from '../domain/new-task';
import { supportsLaunchType, validateContainerOverrides, validateNetworkConfiguration } from '../domain/run-request';
import { validateTags } from '../domain/tags';
import { paginateFrom } from '../pagination';
import { reusableItems } from '@localcloud/gateway';
import { keyOfPosition, positionOf } from '../store/task-index';
import { taskKeyOf } from '../runtime/scoped-tasks';
import { describedTask, toTask, type TaskRecord } from '../runtime/task-record';
import { resolveCluster } from './resolve-cluster';
import { resolveTaskDefinition } from './task-definitions';

const MAX_TASKS_PER_RUN = 10;

export async function runTask(input: RunTaskRequest, ecs: EcsScope): Promise<RunTaskResponse> {
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_TASKS_PER_RUN) {
    throw new InvalidParameterException(`count must be between 1 and ${MAX_TASKS_PER_RUN}.`);
  }
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw new InvalidParameterException(
      'Specifying both a launch type and capacity provider strategy is not supported.',
    );
  }
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: true });
  assertStrategyUsable(ecs, cluster, input.capacityProviderStrategy);
  const definition = runnableDefinition(ecs, input.taskDefinition);
  const { launchType, capacityProviderName } = chooseLaunch({
    launchType: input.launchType,
    capacityProviderStrategy: input.capacityProviderStrategy,
    clusterDefaultStrategy: cluster.defaultCapacityProviderStrategy,
    definition,
  });
  validateRunRequest(ecs, definition, launchType, input);
  const tags = taskTags(input, ecs, definition, cluster.clusterName);
  await assertEngine(ecs);

  const created = Array.from({ length: count }, () =>
    newTaskRecord({
      scope: ecs.scope,
      clusterName: cluster.clusterName,
      clusterArn: cluster.clusterArn,
      definition,
      launchType,
      capacityProviderName,
      overrides: input.overrides,
      startedBy: input.startedBy,
      group: input.group,
      tags,
      networkConfiguration: input.networkConfiguration,
      enableExecuteCommand: input.enableExecuteCommand,
    }),
  );
  // EC2 and EXTERNAL tasks go on a container instance of the cluster (handlers/container-instances.ts).
  let failures: Failure[] = [];
  let records = created;
  if (launchType === 'EC2' || launchType === 'EXTERNAL') {
    const constraints = [...(definition.placementConstraints ?? []), ...(input.placementConstraints ?? [])];
    const placed = placeTasks(
      ecs,
      cluster,
      constraints,
      created.map((r) => ({ group: r.group, reservation: taskReservation(r) })),
    );
    failures = placed.failures;
    records = created
      .map((record, i) => ({ ...record, containerInstanceArn: placed.placements[i] }))
      .filter((record) => record.containerInstanceArn !== undefined);
  }
  return { tasks: records.map((record) => launch(ecs, record, definition)), failures };
}

/** StartTask places tasks on named container instances; the local engine stands in for all of them. */
export async function startTask(input: StartTaskRequest, ecs: EcsScope): Promise<StartTaskResponse> {
  if (!input.containerInstances?.length) {
    throw new InvalidParameterException('containerInstances must contain at least one container instance.');
  }
  if (input.containerInstances.length > MAX_TASKS_PER_RUN) {
    throw new InvalidParameterException(
      `containerInstances can contain at most ${MAX_TASKS_PER_RUN} container instances.`,
    );
  }
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: true });
  const definition = runnableDefinition(ecs, input.taskDefinition);
  validateRunRequest(ecs, definition, 'EC2', input);
  const tags = taskTags(input, ecs, definition, cluster.clusterName);
  await assertEngine(ecs);
  // Only instances of the cluster that are registered (ACTIVE or DRAINING) take tasks.
  const failures: Failure[] = [];
  const instances: string[] = [];
  for (const reference of input.containerInstances) {
    const instance = findInstance(ecs.store, ecs.scope, cluster, reference);
    if (instance && instance.status !== 'INACTIVE') instances.push(instance.containerInstanceArn);
    else failures.push({ arn: reference, reason: 'MISSING' });
  }
  const tasks = instances.map((instance) =>
    launch(
      ecs,
      newTaskRecord({
        scope: ecs.scope,
        clusterName: cluster.clusterName,
        clusterArn: cluster.clusterArn,
        definition,
        launchType: 'EC2',
        overrides: input.overrides,
        startedBy: input.startedBy,
        group: input.group,
        tags,
        networkConfiguration: input.networkConfiguration,
        containerInstanceArn: instance,
        enableExecuteCommand: input.enableExecuteCommand,
      }),
      definition,
    ),
  );
  return { tasks, failures };
}

export async function stopTask(input: StopTaskRequest, ecs: EcsScope): Promise<StopTaskResponse> {
  if (!input.task) throw new InvalidParameterException('task must be specified.');
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const record = findTask(ecs, cluster.clusterName, input.task);
  if (!record) throw new InvalidParameterException('The referenced task was not found.');
  void ecs.tasks.runtime.stop(
    { accountId: record.accountId, region: record.region, taskArn: record.taskArn },
    { stopCode: 'UserInitiated', reason: input.reason ?? 'Task stopped by user' },
  );
  return { task: toTask(ecs.tasks.get(record.taskArn) ?? record) };
}

export function describeTasks(input: DescribeTasksRequest, ecs: EcsScope): DescribeTasksResponse {
  if (!input.tasks?.length) throw new InvalidParameterException('Tasks cannot be empty.');
  if (input.tasks.length > 100) throw new InvalidParameterException('Tasks cannot contain more than 100 elements.');
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const withTags = input.include?.includes('TAGS') ?? false;
  const tasks = [];
  const failures: Failure[] = [];
  for (const ref of input.tasks) {
    const record = findTask(ecs, cluster.clusterName, ref);
    if (!record) {
      failures.push({ arn: ref, reason: 'MISSING' });
      continue;
    }
    tasks.push(describedTask(record, withTags));
  }
  // Each description is reusable (its text kept): the array is written as their texts, in one piece.
  return { tasks: reusableItems(tasks), failures };
}

export function listTasks(input: ListTasksRequest, ecs: EcsScope): ListTasksResponse {
  if (input.serviceName && input.startedBy) {
    throw new InvalidParameterException('Service name and startedBy cannot both be specified.');
  }
  if (input.family && input.serviceName) {
    throw new InvalidParameterException('Family and service name cannot both be specified.');
  }
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const desiredStatus = input.desiredStatus ?? 'RUNNING';
  const serviceGroup = input.serviceName ? `service:${serviceNameOf(input.serviceName)}` : undefined;
  const matches = (t: TaskRecord) =>
    t.desiredStatus === desiredStatus &&
    (!input.family || familyOf(t.taskDefinitionArn) === input.family) &&
    (!input.startedBy || t.startedBy === input.startedBy) &&
    (!serviceGroup || t.group === serviceGroup) &&
    (!input.launchType || t.launchType === input.launchType) &&
    (!input.containerInstance || t.containerInstanceArn === input.containerInstance);
  // Oldest first, read from the index a page at a time; the token holds the last task's index position.
  const page = paginateFrom(
    'ListTasks',
    input,
    { defaultSize: 100, maxSize: 100 },
    (t: TaskRecord) => positionOf(taskKeyOf(t.taskArn), t),
    function* (after) {
      // A service's tasks from the index by group (its own tasks, whatever their status); otherwise the
      // cluster's tasks of that desired status. Both are in the same order, so a token fits either.
      const positions = serviceGroup
        ? ecs.store.taskIndex.inGroupAfter(cluster.clusterName, serviceGroup, after)
        : ecs.store.taskIndex.after(cluster.clusterName, desiredStatus, after);
      for (const position of positions) {
        const task = ecs.store.tasks.get(keyOfPosition(position));
        if (task && matches(task)) yield task;
      }
    },
  );
  return { taskArns: page.items.map((t) => t.taskArn), nextToken: page.nextToken };
}

// ---- helpers -----------------------------------------------------------------------------------

function launch(ecs: EcsScope, record: TaskRecord, definition: TaskDefinition) {
  ecs.tasks.put(record);
  ecs.tasks.runtime.launch({ accountId: record.accountId, region: record.region, taskArn: record.taskArn }, definition);
  const task = toTask(record);
  return task;
}

function runnableDefinition(ecs: EcsScope, ref: string | undefined): TaskDefinition {
  if (!ref) throw new InvalidParameterException('taskDefinition must be specified.');
  const definition = resolveTaskDefinition(ecs, ref);
  if (definition.status !== 'ACTIVE') {
    throw new ClientException(`TaskDefinition is inactive: ${definition.taskDefinitionArn}`);
  }
  return definition;
}

/** What RunTask and StartTask refuse before anything runs (domain/run-request.ts). */
function validateRunRequest(
  ecs: EcsScope,
  definition: TaskDefinition,
  launchType: LaunchType,
  input: { overrides?: TaskOverride; networkConfiguration?: NetworkConfiguration },
): void {
  if (!supportsLaunchType(definition, launchType, ecs.strict)) {
    throw new ClientException(`Task definition does not support launch_type ${launchType}.`);
  }
  validateContainerOverrides(definition, input.overrides);
  validateNetworkConfiguration(definition, input.networkConfiguration, ecs.strict);
}

function taskTags(
  input: { tags?: Tag[]; propagateTags?: string; enableECSManagedTags?: boolean },
  ecs: EcsScope,
  definition: TaskDefinition,
  clusterName: string,
): Tag[] {
  const tags = [...validateTags(input.tags)];
  if (input.propagateTags === 'TASK_DEFINITION') {
    const stored = ecs.store.taskDefinitions.get(`${definition.family}:${definition.revision}`);
    for (const tag of stored?.tags ?? []) if (!tags.some((t) => t.key === tag.key)) tags.push(tag);
  }
  if (input.enableECSManagedTags) tags.push({ key: 'aws:ecs:clusterName', value: clusterName });
  return tags;
}

async function assertEngine(ecs: EcsScope): Promise<void> {
  if (!(await ecs.tasks.engineAvailable())) {
    throw new ServerException(
      'The Docker engine is not reachable, so localcloud cannot run tasks right now. Start Docker (check `docker info`); the control plane keeps working meanwhile.',
    );
  }
}

/** A task by id or ARN, within the cluster. */
function findTask(ecs: EcsScope, clusterName: string, ref: string): TaskRecord | undefined {
  const parsed = parseArn(ref);
  const id = parsed ? parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1) : ref;
  return ecs.tasks.byId(clusterName, id);
}

function familyOf(taskDefinitionArn: string | undefined): string | undefined {
  const resource = taskDefinitionArn ? parseArn(taskDefinitionArn)?.resource : undefined;
  return resource?.slice(0, resource.lastIndexOf(':'));
}

function serviceNameOf(nameOrArn: string): string {
  const parsed = parseArn(nameOrArn);
  return parsed?.resourceType === 'service'
    ? parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1)
    : clusterNameOf(nameOrArn);
}
