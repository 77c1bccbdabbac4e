import type { Failure, ProtectedTask } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from '../errors';

/*
 * Task scale-in protection (UpdateTaskProtection, GetTaskProtection and the agent's
 * `$ECS_AGENT_URI/task-protection/v1/state`): a protected task of a service is never chosen to stop by a
 * scale-in or a deployment until its protection expires.
 */

/** Kept on the task record (`TaskRecord.protection`). */
export interface TaskProtection {
  readonly protectionEnabled: boolean;
  /** When protection lapses; absent when it is off. */
  readonly expirationDate?: Date;
}

export const DEFAULT_PROTECTION_MINUTES = 120;
export const MAX_PROTECTION_MINUTES = 2880;

/** What isProtected needs of a task. */
export interface ProtectableTask {
  readonly protection?: TaskProtection;
}

/** Whether the task is protected from scale-in and deployments at `now` (epoch ms). Pure. */
export function isProtected(task: ProtectableTask, now: number): boolean {
  const protection = task.protection;
  if (!protection?.protectionEnabled) return false;
  return protection.expirationDate === undefined || protection.expirationDate.getTime() > now;
}

/** `expiresInMinutes` as ECS accepts it: 1 to 2,880, 120 when absent. */
export function protectionMinutes(expiresInMinutes: number | undefined): number {
  const minutes = expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PROTECTION_MINUTES) {
    throw new InvalidParameterException(
      `expiresInMinutes must be an integer from 1 to ${MAX_PROTECTION_MINUTES} (48 hours).`,
    );
  }
  return minutes;
}

/** The protection UpdateTaskProtection sets: the expiry is always reset, as ECS documents. */
export function newProtection(enabled: boolean, expiresInMinutes: number | undefined, now: number): TaskProtection {
  if (!enabled) return { protectionEnabled: false };
  return { protectionEnabled: true, expirationDate: new Date(now + protectionMinutes(expiresInMinutes) * 60_000) };
}

/** The task's protection as the API shows it; an expired one reads as off, as ECS clears it. */
export function protectedTaskView(task: ProtectableTask & { taskArn: string }, now: number): ProtectedTask {
  if (!isProtected(task, now)) return { taskArn: task.taskArn, protectionEnabled: false };
  const view: ProtectedTask = { taskArn: task.taskArn, protectionEnabled: true };
  if (task.protection?.expirationDate) view.expirationDate = task.protection.expirationDate;
  return view;
}

/**
 * Only tasks of a service that are still wanted can be protected; others are failures, as in ECS
 * (TASK_NOT_VALID for a standalone or stopping task, MISSING for an unknown one).
 */
export function protectionFailure(
  reference: string,
  task: { taskArn: string; group?: string; desiredStatus?: string } | undefined,
): Failure | undefined {
  if (!task) return { arn: reference, reason: 'MISSING' };
  if (!task.group?.startsWith('service:')) {
    return { arn: task.taskArn, reason: 'TASK_NOT_VALID', detail: 'The task is not part of a service.' };
  }
  if (task.desiredStatus !== 'RUNNING') {
    return { arn: task.taskArn, reason: 'TASK_NOT_VALID', detail: 'The task is stopping or stopped.' };
  }
  return undefined;
}
