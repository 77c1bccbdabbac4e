import type { AccountRegionStores } from '@localcloud/gateway';
import type { DurableTable, StateStore } from '@localcloud/persistence';
import { parseArn } from '../arn';
import type { EcsStore } from '../store/ecs-store';
import { taskKeyOf } from './scoped-tasks';
import type { TaskRecord, TaskRef, TaskRepository } from './task-record';

/**
 * Tasks for the runtime, which works across accounts and regions (engine events name any task). Reads
 * and writes go through each account's and region's own store so its views stay consistent.
 */
export class StoreTaskRepository implements TaskRepository {
  constructor(
    private readonly stores: AccountRegionStores<EcsStore>,
    /** The table behind every account's task view, for the rare scans across all of them. */
    private readonly allTasks: DurableTable<TaskRecord>,
    private readonly state: Pick<StateStore, 'durable'>,
  ) {}

  durable(): Promise<void> {
    return this.state.durable();
  }

  get(ref: TaskRef): TaskRecord | undefined {
    return this.stores.get(ref.accountId, ref.region).tasks.get(taskKeyOf(ref.taskArn));
  }

  put(record: TaskRecord): void {
    this.stores.get(record.accountId, record.region).tasks.put(taskKeyOf(record.taskArn), record);
  }

  unfinished(): TaskRecord[] {
    return [...this.allTasks.values()].filter((task) => task.lastStatus !== 'STOPPED');
  }

  /** Forgets tasks STOPPED before `cutoff`, as ECS stops showing them after a while; returns how many. */
  forgetStoppedBefore(cutoff: Date): number {
    const expired = [...this.allTasks.values()].filter(
      (task) => task.lastStatus === 'STOPPED' && task.stoppedAt && task.stoppedAt < cutoff,
    );
    for (const task of expired) this.stores.get(task.accountId, task.region).tasks.delete(taskKeyOf(task.taskArn));
    return expired.length;
  }

  /** Whether any account knows this task, in any state. */
  has(taskArn: string): boolean {
    const parsed = parseArn(taskArn);
    return (
      parsed !== undefined && this.get({ accountId: parsed.accountId, region: parsed.region, taskArn }) !== undefined
    );
  }
}
