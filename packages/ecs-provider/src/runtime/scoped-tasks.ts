import { parseArn } from '../arn';
import type { ScopedTable } from '../store/scoped-table';
import type { TaskRecord } from './task-record';
import type { TaskRuntime } from './task-runtime';
import type { TaskIndex } from '../store/task-index';

/** Tasks are stored by `<cluster>/<task id>`, the tail of their ARN. */
export function taskKeyOf(taskArn: string): string {
  return parseArn(taskArn)?.resource ?? '';
}

/** The tasks of one account and region, and the runtime that runs them, as the task handlers see them. */
export class ScopedTasks {
  constructor(
    private readonly table: ScopedTable<TaskRecord>,
    readonly runtime: TaskRuntime,
    /** Whether the container engine answers right now. */
    readonly engineAvailable: () => Promise<boolean>,
    /** The store's index of these tasks by cluster (EcsStore.taskIndex); without it, a scan. */
    private readonly index?: Pick<TaskIndex, 'inCluster' | 'inGroup'>,
  ) {}

  get(taskArn: string): TaskRecord | undefined {
    return this.table.get(taskKeyOf(taskArn));
  }

  byId(clusterName: string, taskId: string): TaskRecord | undefined {
    return this.table.get(`${clusterName}/${taskId}`);
  }

  put(record: TaskRecord): void {
    this.table.put(taskKeyOf(record.taskArn), record);
  }

  /**
   * The cluster's tasks in `group` (a service's `service:<name>`, a daemon's `daemon:<name>`), oldest
   * first, created at or after `createdFrom` (ms) if given: costs the group's tasks, not the cluster's.
   */
  inGroup(clusterName: string, group: string, createdFrom?: number): TaskRecord[] {
    if (!this.index) {
      return this.inCluster(clusterName).filter(
        (t) => t.group === group && (createdFrom === undefined || (t.createdAt?.getTime() ?? 0) >= createdFrom),
      );
    }
    const tasks: TaskRecord[] = [];
    for (const key of this.index.inGroup(clusterName, group, createdFrom)) {
      const task = this.table.get(key);
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /** The cluster's tasks, oldest first. */
  inCluster(clusterName: string): TaskRecord[] {
    if (this.index) {
      const tasks: TaskRecord[] = [];
      for (const key of this.index.inCluster(clusterName)) {
        const task = this.table.get(key);
        if (task) tasks.push(task);
      }
      return tasks;
    }
    const prefix = `${clusterName}/`;
    const tasks: TaskRecord[] = [];
    for (const [key, record] of this.table.entries()) if (key.startsWith(prefix)) tasks.push(record);
    return tasks.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  }
}
