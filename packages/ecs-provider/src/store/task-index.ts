import BTree from 'sorted-btree';
import type { TaskRecord } from './records';

/** The members of a task the index reads (ScopedTable's `indexMembers`), without decoding the rest. */
export const TASK_INDEX_MEMBERS = ['desiredStatus', 'createdAt', 'lastStatus', 'stoppedAt', 'group'] as const;
type Indexed = Partial<Pick<TaskRecord, (typeof TASK_INDEX_MEMBERS)[number]>>;

/**
 * The tasks of one account and region by cluster and desired status, oldest first (`createdAt`, then
 * the task key): ListTasks reads one page from here instead of every task stored. Kept current by the
 * tasks view (ScopedTable's `onChange`). An entry is `<createdAt ms, 15 digits> <key>`, so a position
 * stays meaningful after its task is gone and a page token can carry it.
 * Also the tasks not yet STOPPED (what the runtime re-adopts and reconciles) and the STOPPED ones by
 * `stoppedAt` (what retention forgets): so neither reads every task stored, most of which, in a
 * long-lived state, are stopped and never read again.
 * And the tasks of each cluster by `group` (`service:<name>`, `daemon:<name>`, `family:<name>`…): what a
 * service's or daemon's views and scheduler passes read, so they cost their own tasks, not the cluster's
 * (1,000 services in a cluster of 10,000 tasks made every DescribeServices and every pass read them all).
 */
export class TaskIndex {
  private readonly lists = new Map<string, BTree<string, undefined>>();
  /** The desired statuses each cluster has lists for. */
  private readonly statuses = new Map<string, Set<string>>();
  private readonly unfinished = new Set<string>();
  /** `<stoppedAt ms, 15 digits> <key>` of the STOPPED tasks. */
  private readonly stopped = new BTree<string, undefined>();
  /** Positions of each cluster's tasks by group, under `<cluster> <group>` (a cluster name has no space). */
  private readonly groups = new Map<string, Group>();

  /** Forgets every task: before the tasks view loads again (EcsStore.loadIndexes). */
  clear(): void {
    this.lists.clear();
    this.statuses.clear();
    this.unfinished.clear();
    this.stopped.clear();
    this.groups.clear();
  }

  changed(key: string, before: Indexed | undefined, after: Indexed | undefined): void {
    if (before?.lastStatus === 'STOPPED' && before.stoppedAt)
      this.stopped.delete(stoppedPosition(key, before.stoppedAt));
    if (after?.lastStatus === 'STOPPED' && after.stoppedAt)
      this.stopped.set(stoppedPosition(key, after.stoppedAt), undefined);
    if (after && after.lastStatus !== 'STOPPED') this.unfinished.add(key);
    else this.unfinished.delete(key);
    this.groupChanged(key, before, after);
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

  /** Keys of the cluster's tasks in `group`, oldest first, created at or after `createdFrom` (ms) if given. */
  inGroup(clusterName: string, group: string, createdFrom?: number): string[] {
    const positions = this.groups.get(`${clusterName} ${group}`)?.positions;
    if (!positions) return [];
    const from =
      createdFrom === undefined ? undefined : positionOf('', { createdAt: new Date(Math.max(0, createdFrom)) });
    const keys: string[] = [];
    for (const position of positions.keys(from)) keys.push(keyOfPosition(position));
    return keys;
  }

  /** Positions of the cluster's tasks in `group`, strictly after `after` (from the oldest). */
  *inGroupAfter(clusterName: string, group: string, after: string | undefined): IterableIterator<string> {
    const positions = this.groups.get(`${clusterName} ${group}`)?.positions;
    if (!positions) return;
    for (const position of positions.keys(after)) if (position !== after) yield position;
  }

  /**
   * A number that differs whenever a task of the cluster's group was put or deleted since it was last read
   * (also across `clear`): how the scheduler knows a service's tasks are as its last pass saw them.
   * Undefined while the group has no task.
   */
  groupStamp(clusterName: string, group: string): number | undefined {
    return this.groups.get(`${clusterName} ${group}`)?.stamp;
  }

  /** Every put or delete of a grouped task changes its group's stamp, even when its position stays. */
  private groupChanged(key: string, before: Indexed | undefined, after: Indexed | undefined): void {
    const cluster = key.slice(0, key.indexOf('/'));
    const stamp = ++groupChanges;
    // The same group at the same position (every put of a task but its first and last): only the stamp
    // changes. The position is looked up rather than assumed, so an index that lacks it still gets it.
    if (before?.group !== undefined && before.group === after?.group && createdMs(before) === createdMs(after)) {
      const group = this.groups.get(`${cluster} ${after.group}`);
      if (group?.positions.has(positionOf(key, after))) {
        group.stamp = stamp;
        return;
      }
    }
    if (before?.group !== undefined) {
      const group = this.groups.get(`${cluster} ${before.group}`);
      if (group) {
        group.positions.delete(positionOf(key, before));
        group.stamp = stamp;
        if (group.positions.size === 0) this.groups.delete(`${cluster} ${before.group}`);
      }
    }
    if (after?.group !== undefined) {
      const name = `${cluster} ${after.group}`;
      let group = this.groups.get(name);
      if (!group) this.groups.set(name, (group = { positions: new BTree<string, undefined>(), stamp }));
      group.positions.set(positionOf(key, after), undefined);
      group.stamp = stamp;
    }
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

/**
 * Changes to any group of any index, never reset: a group's `stamp` is the count at its last change, so a
 * stamp is never seen again, not even from an index built anew (a failed sync replaces the views).
 */
let groupChanges = 0;

interface Group {
  readonly positions: BTree<string, undefined>;
  stamp: number;
}

/** A task's `createdAt` as its position counts it (ms; 0 without one). */
function createdMs(task: Pick<TaskRecord, 'createdAt'>): number {
  return task.createdAt?.getTime() ?? 0;
}

/** A task's place in the index: when it was created, then its key. */
export function positionOf(key: string, task: Pick<TaskRecord, 'createdAt'>): string {
  return `${String(createdMs(task)).padStart(15, '0')} ${key}`;
}

function stoppedPosition(key: string, stoppedAt: Date): string {
  return `${String(stoppedAt.getTime()).padStart(15, '0')} ${key}`;
}

/** The task key of an index position. */
export function keyOfPosition(position: string): string {
  return position.slice(16);
}
