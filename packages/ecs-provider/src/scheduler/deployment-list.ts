import type { Deployment } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';

/**
 * Ids of the deployments that still have a task that is not STOPPED: running, pending, or told to
 * stop but still up (a container whose PID 1 ignores SIGTERM stays up for its stop timeout).
 */
export function deploymentsWithTasks(tasks: readonly TaskRecord[]): Set<string> {
  return new Set(tasks.filter((t) => t.lastStatus !== 'STOPPED' && t.startedBy).map((t) => t.startedBy!));
}

/** Whether no deployment but the PRIMARY one (first) has a task left, as the steady state needs. */
export function onlyPrimaryHasTasks(deployments: readonly Deployment[], withTasks: ReadonlySet<string>): boolean {
  return deployments.every((d, i) => i === 0 || !withTasks.has(d.id!));
}

/**
 * The deployments ECS still lists. The PRIMARY one always. An older one until its last task is
 * STOPPED, so waiters and deploy tools that wait for one deployment do not report success while old
 * tasks still run. A FAILED one also while the PRIMARY deployment that replaced it (the rollback) is
 * IN_PROGRESS, so a client polling the service sees why it is rolling back.
 */
export function listedDeployments(deployments: readonly Deployment[], withTasks: ReadonlySet<string>): Deployment[] {
  const rollingOn = deployments[0]?.rolloutState === 'IN_PROGRESS';
  return deployments.filter((d, i) => i === 0 || withTasks.has(d.id!) || (rollingOn && d.rolloutState === 'FAILED'));
}
