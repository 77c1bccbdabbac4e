import type { Scale, Service, TaskSet } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';
import type { ServiceRecord } from '../store/records';
import { isLive } from './service';

/*
 * Task sets: the deployments of a service whose deployment controller is EXTERNAL or CODE_DEPLOY. They
 * are kept on the service record (`taskSets`, as ECS shows them in DescribeServices); their tasks carry
 * the task set's id as `startedBy`, so counts are derived from the tasks on every read.
 */

export type TaskSetRecord = TaskSet & {
  id: string;
  taskSetArn: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinition: string;
  scale: Scale;
};

/** Whether a service's tasks come from task sets rather than the ECS deployment controller. */
export function usesTaskSets(service: { readonly deploymentController?: { readonly type?: string } }): boolean {
  const type = service.deploymentController?.type;
  return type === 'EXTERNAL' || type === 'CODE_DEPLOY';
}

/** The tasks the task set should run: its scale's percent of the service's desired count, rounded up. */
export function computedDesiredCount(service: Pick<Service, 'desiredCount'>, taskSet: TaskSetRecord): number {
  if (taskSet.status === 'DRAINING') return 0;
  return Math.ceil(((service.desiredCount ?? 0) * (taskSet.scale.value ?? 0)) / 100);
}

export function tasksOfTaskSet(taskSet: Pick<TaskSet, 'id'>, tasks: readonly TaskRecord[]): TaskRecord[] {
  return tasks.filter((t) => t.startedBy === taskSet.id);
}

/** STEADY_STATE once exactly the computed count of tasks runs and nothing else is live. */
export function stabilityOf(
  service: Pick<Service, 'desiredCount'>,
  taskSet: TaskSetRecord,
  tasks: readonly TaskRecord[],
) {
  const live = tasksOfTaskSet(taskSet, tasks).filter(isLive);
  const running = live.filter((t) => t.lastStatus === 'RUNNING').length;
  const steady = running === computedDesiredCount(service, taskSet) && live.length === running;
  return steady ? 'STEADY_STATE' : 'STABILIZING';
}

/** A task set as the API shows it, counts derived from its tasks. */
export function taskSetView(
  service: Pick<Service, 'desiredCount'>,
  taskSet: TaskSetRecord,
  tasks: readonly TaskRecord[],
  options: { tags?: boolean } = {},
): TaskSet {
  const { tags, ...rest } = taskSet;
  const live = tasksOfTaskSet(taskSet, tasks).filter(isLive);
  const view: TaskSet = {
    ...rest,
    computedDesiredCount: computedDesiredCount(service, taskSet),
    runningCount: live.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: live.filter((t) => t.lastStatus !== 'RUNNING').length,
  };
  if (options.tags) view.tags = tags ?? [];
  return view;
}

/** The task sets of a service with their counts, and the service's counts as their sums. */
export function withTaskSets(view: Service, record: ServiceRecord, tasks: readonly TaskRecord[]): Service {
  const taskSets = ((record.taskSets ?? []) as TaskSetRecord[]).map((s) => taskSetView(record, s, tasks));
  return {
    ...view,
    taskSets,
    runningCount: taskSets.reduce((n, s) => n + (s.runningCount ?? 0), 0),
    pendingCount: taskSets.reduce((n, s) => n + (s.pendingCount ?? 0), 0),
  };
}
