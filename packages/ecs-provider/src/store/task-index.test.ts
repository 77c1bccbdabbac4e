import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InMemoryStateStore, JournalStateStore } from '@localcloud/persistence';
import type { TaskRecord } from '../runtime/task-record';
import { ECS_TABLES, EcsStore } from './ecs-store';
import { TASK_INDEX_MEMBERS } from './task-index';

/*
 * The tasks of a cluster by group (what a service's or daemon's views and scheduler passes read), kept by
 * the tasks view through every put, stop and delete, and built again from the records at open: each
 * listing is compared with a filter over every stored task, which is what the index replaces.
 */

const scope = { accountId: '000000000000', region: 'us-east-1' };

const task = (cluster: string, id: string, group: string | undefined, createdAt: number, desiredStatus = 'RUNNING') =>
  ({
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/${cluster}/${id}`,
    clusterArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${cluster}`,
    desiredStatus,
    lastStatus: desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    stoppedAt: desiredStatus === 'STOPPED' ? new Date(createdAt + 5) : undefined,
    group,
    createdAt: new Date(createdAt),
  }) as TaskRecord;

/** What the index must answer: every stored task of the cluster in the group, oldest first, by scan. */
function scanned(store: EcsStore, cluster: string, group: string, createdFrom = 0): string[] {
  return [...store.tasks.entries()]
    .filter(([key, t]) => key.startsWith(`${cluster}/`) && t.group === group && t.createdAt!.getTime() >= createdFrom)
    .sort(([ka, a], [kb, b]) => a.createdAt!.getTime() - b.createdAt!.getTime() || (ka < kb ? -1 : 1))
    .map(([key]) => key);
}

describe('the task index by group', () => {
  const put = (store: EcsStore, t: TaskRecord) => store.tasks.put(t.taskArn.split('/').slice(-2).join('/'), t);

  it('lists a put task in its cluster and group only, oldest first, from a creation time', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    put(store, task('c', 'b', 'service:web', 2000));
    put(store, task('c', 'a', 'service:web', 1000));
    put(store, task('c', 'x', 'service:api', 1500));
    put(store, task('other', 'y', 'service:web', 1200));
    put(store, task('c', 'z', undefined, 1100));

    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/a', 'c/b']);
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(scanned(store, 'c', 'service:web'));
    expect(store.taskIndex.inGroup('c', 'service:api')).toEqual(['c/x']);
    expect(store.taskIndex.inGroup('other', 'service:web')).toEqual(['other/y']);
    expect(store.taskIndex.inGroup('c', 'service:none')).toEqual([]);
    // A service re-created under an old name: only the tasks created since.
    expect(store.taskIndex.inGroup('c', 'service:web', 1001)).toEqual(['c/b']);
    expect(store.taskIndex.inGroup('c', 'service:web', 1000)).toEqual(['c/a', 'c/b']);
    expect(store.taskIndex.inGroup('c', 'service:web', -1)).toEqual(['c/a', 'c/b']);
  });

  it('keeps a stopped task in its group and changes the group stamp on every put', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    put(store, task('c', 'a', 'service:web', 1000));
    const first = store.taskIndex.groupStamp('c', 'service:web');
    expect(first).toBeDefined();
    const api = store.taskIndex.groupStamp('c', 'service:api');

    put(store, task('c', 'a', 'service:web', 1000, 'STOPPED'));
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/a']);
    const stopped = store.taskIndex.groupStamp('c', 'service:web');
    expect(stopped).not.toBe(first);
    // A status change of the same task, with its position unchanged, still counts as a change.
    put(store, { ...task('c', 'a', 'service:web', 1000, 'STOPPED'), healthStatus: 'UNHEALTHY' });
    expect(store.taskIndex.groupStamp('c', 'service:web')).not.toBe(stopped);
    // Other groups' stamps stay.
    expect(store.taskIndex.groupStamp('c', 'service:api')).toBe(api);
  });

  it('keeps a task in place through puts that keep its group and creation time, and moves it when either changes', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    put(store, task('c', 'a', 'service:web', 3000));
    put(store, task('c', 'b', 'service:web', 2000));
    const stamps = new Set([store.taskIndex.groupStamp('c', 'service:web')]);
    for (const lastStatus of ['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED']) {
      put(store, { ...task('c', 'a', 'service:web', 3000), lastStatus } as TaskRecord);
      expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/b', 'c/a']);
      stamps.add(store.taskIndex.groupStamp('c', 'service:web'));
    }
    expect(stamps.size).toBe(5);
    // The same group, another creation time: the position moves (not kept beside the old one).
    put(store, task('c', 'a', 'service:web', 1000));
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/a', 'c/b']);
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(scanned(store, 'c', 'service:web'));
    // An index that lost the task's position (forgotten without a reload) gets it back on the next put.
    store.taskIndex.clear();
    put(store, task('c', 'a', 'service:web', 1000));
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/a']);
  });

  it('forgets a deleted task, and a task moved to another group', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    put(store, task('c', 'a', 'service:web', 1000));
    put(store, task('c', 'b', 'service:web', 2000));
    store.tasks.delete('c/a');
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/b']);
    put(store, task('c', 'b', 'service:api', 2000));
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual([]);
    expect(store.taskIndex.groupStamp('c', 'service:web')).toBeUndefined();
    expect(store.taskIndex.inGroup('c', 'service:api')).toEqual(['c/b']);
    store.tasks.delete('c/b');
    expect(store.taskIndex.inGroup('c', 'service:api')).toEqual([]);
    expect(scanned(store, 'c', 'service:api')).toEqual([]);
  });

  it('undoes the moves of a transaction that throws, with a new stamp for the groups rebuilt', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    put(store, task('c', 'a', 'service:web', 1000));
    const stamp = store.taskIndex.groupStamp('c', 'service:web');
    expect(() =>
      store.transaction(() => {
        put(store, task('c', 'b', 'service:web', 2000));
        store.tasks.delete('c/a');
        put(store, task('c', 'x', 'service:api', 1500));
        throw new Error('half-way');
      }),
    ).toThrow('half-way');
    expect(store.taskIndex.inGroup('c', 'service:web')).toEqual(['c/a']);
    expect(store.taskIndex.inGroup('c', 'service:api')).toEqual([]);
    expect(store.taskIndex.groupStamp('c', 'service:web')).not.toBe(stamp);
  });

  // From the journal; from a snapshot carrying the index's members beside each task (as openEcsState
  // writes it); from one written before `group` was among them (it is then read from the task).
  it.each([
    ['the journal', undefined, undefined],
    ['a snapshot with the members', TASK_INDEX_MEMBERS, TASK_INDEX_MEMBERS],
    ['a snapshot with the members of before', TASK_INDEX_MEMBERS.filter((m) => m !== 'group'), TASK_INDEX_MEMBERS],
  ])('is built again from the records when the store is opened again, from %s', (_, written, read) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-task-index-'));
    const options = (members: readonly string[] | undefined) =>
      members
        ? { dir, compactAfterBytes: 1, snapshotMembers: { [ECS_TABLES.tasks]: members } }
        : { dir, compactAfterBytes: 1 << 30 };
    try {
      let state = new JournalStateStore(options(written));
      let store = new EcsStore(state, scope);
      for (let i = 0; i < 30; i++)
        put(
          store,
          task(i % 2 ? 'c' : 'd', `t${i}`, `service:s${i % 3}`, 1000 + ((i * 7) % 11), i % 4 ? 'RUNNING' : 'STOPPED'),
        );
      store.tasks.delete('c/t7');
      state.close();

      state = new JournalStateStore(options(read));
      store = new EcsStore(state, scope);
      for (const cluster of ['c', 'd'])
        for (const group of ['service:s0', 'service:s1', 'service:s2']) {
          expect(store.taskIndex.inGroup(cluster, group)).toEqual(scanned(store, cluster, group));
          expect(store.taskIndex.inGroup(cluster, group, 1005)).toEqual(scanned(store, cluster, group, 1005));
        }
      expect(store.taskIndex.inGroup('c', 'service:s1')).not.toContain('c/t7');
      expect(store.taskIndex.inGroup('c', 'service:s1').length).toBeGreaterThan(0);
      state.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
