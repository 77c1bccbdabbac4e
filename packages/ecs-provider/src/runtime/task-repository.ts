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

  /** From each account's and region's task index: costs the unfinished tasks, not every task stored. */
  unfinished(): TaskRecord[] {
    const unfinished: TaskRecord[] = [];
    for (const store of this.storesWithTasks()) {
      for (const key of store.taskIndex.unfinishedKeys()) {
        const task = store.tasks.get(key);
        if (task) unfinished.push(task);
      }
    }
    return unfinished;
  }

  /** Forgets tasks STOPPED before `cutoff`, as ECS stops showing them after a while; returns how many. */
  forgetStoppedBefore(cutoff: Date): number {
    let forgotten = 0;
    for (const store of this.storesWithTasks()) {
      for (const key of store.taskIndex.stoppedBefore(cutoff)) {
        store.tasks.delete(key);
        forgotten++;
      }
    }
    return forgotten;
  }

  /** The store of every account and region that has tasks stored (keys are `<account>/<region>/<key>`). */
  private storesWithTasks(): EcsStore[] {
    const scopes = new Set<string>();
    let last: string | undefined;
    for (const key of this.allTasks.keys()) {
      // Tasks of one scope mostly follow each other: one slice per run of them.
      if (last !== undefined && key.startsWith(last)) continue;
      last = key.slice(0, key.indexOf('/', key.indexOf('/') + 1) + 1);
      scopes.add(last);
    }
    return [...scopes].map((scope) => {
      const [accountId, region] = scope.split('/') as [string, string];
      return this.stores.get(accountId, region);
    });
  }

  /** Whether any account knows this task, in any state. */
  has(taskArn: string): boolean {
    const parsed = parseArn(taskArn);
    return (
      parsed !== undefined && this.get({ accountId: parsed.accountId, region: parsed.region, taskArn }) !== undefined
    );
  }
}
