import BTree from 'sorted-btree';
import type { TaskRecord } from './records';

/** The members of a task the index reads (ScopedTable's `indexMembers`), without decoding the rest. */
export const TASK_INDEX_MEMBERS = ['desiredStatus', 'createdAt', 'lastStatus', 'stoppedAt'] as const;
type Indexed = Partial<Pick<TaskRecord, (typeof TASK_INDEX_MEMBERS)[number]>>;

/**
 * The tasks of one account and region by cluster and desired status, oldest first (`createdAt`, then
 * the task key): ListTasks reads one page from here instead of every task stored. Kept current by the
 * tasks view (ScopedTable's `onChange`). An entry is `<createdAt ms, 15 digits> <key>`, so a position
 * stays meaningful after its task is gone and a page token can carry it.
 * Also the tasks not yet STOPPED (what the runtime re-adopts and reconciles) and the STOPPED ones by
 * `stoppedAt` (what retention forgets): so neither reads every task stored, most of which, in a
 * long-lived state, are stopped and never read again.
 */
export class TaskIndex {
  private readonly lists = new Map<string, BTree<string, undefined>>();
  /** The desired statuses each cluster has lists for. */
  private readonly statuses = new Map<string, Set<string>>();
  private readonly unfinished = new Set<string>();
  /** `<stoppedAt ms, 15 digits> <key>` of the STOPPED tasks. */
  private readonly stopped = new BTree<string, undefined>();

  /** Forgets every task: before the tasks view loads again (EcsStore.loadIndexes). */
  clear(): void {
    this.lists.clear();
    this.statuses.clear();
    this.unfinished.clear();
    this.stopped.clear();
  }

  changed(key: string, before: Indexed | undefined, after: Indexed | undefined): void {
    if (before?.lastStatus === 'STOPPED' && before.stoppedAt)
      this.stopped.delete(stoppedPosition(key, before.stoppedAt));
    if (after?.lastStatus === 'STOPPED' && after.stoppedAt)
      this.stopped.set(stoppedPosition(key, after.stoppedAt), undefined);
    if (after && after.lastStatus !== 'STOPPED') this.unfinished.add(key);
    else this.unfinished.delete(key);
    if (before && after && before.desiredStatus === after.desiredStatus) return;
    if (before) this.list(key, before.desiredStatus).delete(positionOf(key, before));
    if (after) this.list(key, after.desiredStatus).set(positionOf(key, after), undefined);
  }

  /** Positions of the cluster's tasks with that desired status, strictly after `after` (from the oldest). */
  *after(clusterName: string, desiredStatus: string, after: string | undefined): IterableIterator<string> {
    const list = this.lists.get(`${clusterName} ${desiredStatus}`);
    if (!list) return;
    for (const position of list.keys(after)) if (position !== after) yield position;
  }

  /** Keys of the tasks whose last status is not STOPPED. */
  unfinishedKeys(): IterableIterator<string> {
    return this.unfinished.values();
  }

  /** Keys of the STOPPED tasks stopped before `cutoff`, longest stopped first. */
  stoppedBefore(cutoff: Date): string[] {
    const keys: string[] = [];
    const end = stoppedPosition('', cutoff);
    for (const position of this.stopped.keys()) {
      if (position >= end) break;
      keys.push(keyOfPosition(position));
    }
    return keys;
  }

  /** Keys of all the cluster's tasks, oldest first: costs the cluster's tasks, not every task stored. */
  inCluster(clusterName: string): string[] {
    const positions: string[] = [];
    for (const status of this.statuses.get(clusterName) ?? []) {
      for (const position of this.lists.get(`${clusterName} ${status}`)!.keys()) positions.push(position);
    }
    return positions.sort().map(keyOfPosition);
  }

  private list(key: string, desiredStatus: string | undefined): BTree<string, undefined> {
    const cluster = key.slice(0, key.indexOf('/'));
    const name = `${cluster} ${desiredStatus}`;
    let list = this.lists.get(name);
    if (!list) {
      this.lists.set(name, (list = new BTree<string, undefined>()));
      let statuses = this.statuses.get(cluster);
      if (!statuses) this.statuses.set(cluster, (statuses = new Set()));
      statuses.add(String(desiredStatus));
    }
    return list;
  }
}

/** A task's place in the index: when it was created, then its key. */
export function positionOf(key: string, task: Pick<TaskRecord, 'createdAt'>): string {
  return `${String(task.createdAt?.getTime() ?? 0).padStart(15, '0')} ${key}`;
}

function stoppedPosition(key: string, stoppedAt: Date): string {
  return `${String(stoppedAt.getTime()).padStart(15, '0')} ${key}`;
}

/** The task key of an index position. */
export function keyOfPosition(position: string): string {
  return position.slice(16);
}
