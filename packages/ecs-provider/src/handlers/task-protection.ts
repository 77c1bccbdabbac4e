import type {
  Failure,
  GetTaskProtectionRequest,
  GetTaskProtectionResponse,
  ProtectedTask,
  UpdateTaskProtectionRequest,
  UpdateTaskProtectionResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { parseArn } from '../arn';
import { InvalidParameterException } from '../errors';
import { newProtection, protectedTaskView, protectionFailure, protectionMinutes } from '../domain/task-protection';
import { refOf, type TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import { resolveCluster } from './resolve-cluster';

export function updateTaskProtection(input: UpdateTaskProtectionRequest, ecs: EcsScope): UpdateTaskProtectionResponse {
  const references = input.tasks ?? [];
  if (references.length < 1 || references.length > 10) {
    throw new InvalidParameterException('tasks must contain between 1 and 10 task IDs or ARNs.');
  }
  if (input.protectionEnabled) protectionMinutes(input.expiresInMinutes);
  const cluster = resolveCluster(ecs, input.cluster);
  const protectedTasks: ProtectedTask[] = [];
  const failures: Failure[] = [];
  for (const reference of references) {
    const result = applyTaskProtection(
      ecs.tasks.runtime,
      ecs.tasks.byId(cluster.clusterName, taskIdOfReference(reference)),
      reference,
      input.protectionEnabled ?? false,
      input.expiresInMinutes,
    );
    if ('failure' in result) failures.push(result.failure);
    else protectedTasks.push(result.protection);
  }
  return { protectedTasks, failures };
}

export function getTaskProtection(input: GetTaskProtectionRequest, ecs: EcsScope): GetTaskProtectionResponse {
  if ((input.tasks?.length ?? 0) > 100) {
    throw new InvalidParameterException('tasks can contain at most 100 task IDs or ARNs.');
  }
  const cluster = resolveCluster(ecs, input.cluster);
  const now = Date.now();
  const protectedTasks: ProtectedTask[] = [];
  const failures: Failure[] = [];
  // Without tasks: every wanted task of the cluster's services.
  const candidates = input.tasks?.length
    ? input.tasks.map((reference) => ({
        reference,
        task: ecs.tasks.byId(cluster.clusterName, taskIdOfReference(reference)),
      }))
    : ecs.tasks
        .inCluster(cluster.clusterName)
        .filter((task) => !protectionFailure(task.taskArn, task))
        .map((task) => ({ reference: task.taskArn, task }));
  for (const { reference, task } of candidates) {
    const failure = protectionFailure(reference, task);
    if (failure) failures.push(failure);
    else protectedTasks.push(protectedTaskView(task!, now));
  }
  return { protectedTasks, failures };
}

/**
 * Sets one task's protection, for UpdateTaskProtection and for the agent endpoint inside the task.
 * `expiresInMinutes` must have been checked (protectionMinutes) when protection is enabled.
 */
export function applyTaskProtection(
  runtime: Pick<TaskRuntime, 'mutate'>,
  task: TaskRecord | undefined,
  reference: string,
  enabled: boolean,
  expiresInMinutes: number | undefined,
): { protection: ProtectedTask } | { failure: Failure } {
  const failure = protectionFailure(reference, task);
  if (failure) return { failure };
  const now = Date.now();
  const protection = newProtection(enabled, expiresInMinutes, now);
  // Through the runtime, so the scheduler takes a prompt look (protection off makes a task stoppable).
  const next = runtime.mutate(refOf(task!), (record) => {
    record.protection = protection;
  });
  return { protection: protectedTaskView(next ?? { ...task!, protection }, now) };
}

function taskIdOfReference(reference: string): string {
  const parsed = parseArn(reference);
  return parsed ? parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1) : reference;
}
