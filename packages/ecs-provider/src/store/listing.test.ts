import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InMemoryStateStore, JournalStateStore } from '@localcloud/persistence';
import winston from 'winston';
import type { EcsScope } from '../ecs-scope';
import { deregisterTaskDefinition, listTaskDefinitions, registerTaskDefinition } from '../handlers/task-definitions';
import { listTasks } from '../handlers/tasks';
import type { TaskRecord } from '../runtime/task-record';
import { ScopedTasks } from '../runtime/scoped-tasks';
import type { TaskRuntime } from '../runtime/task-runtime';
import { ECS_TABLES, EcsStore } from './ecs-store';
import { TASK_INDEX_MEMBERS } from './task-index';
import { AccountRegionStores } from '@localcloud/gateway';
import { StoreTaskRepository } from '../runtime/task-repository';
import type { ClusterRecord } from './records';

/*
 * The listings read from indices (sorted families, tasks by cluster and desired status) against what a
 * full sort of everything stored gives: same order, every page, ASC and DESC, filters, tokens that resume
 * exactly even when the item they name changed or went away, and indices rebuilt from a reopened store.
 */

const scope = { accountId: '000000000000', region: 'us-east-1' };
const logger = winston.createLogger({ silent: true });
const ecsOf = (store: EcsStore) => ({ scope, store, strict: false, logger }) as unknown as EcsScope;
const arn = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:000000000000:task-definition/${family}:${revision}`;

function allPages<T extends { nextToken?: string }>(
  list: (token: string | undefined) => T,
  items: (page: T) => string[],
) {
  const out: string[] = [];
  for (let token: string | undefined, pages = 0; pages < 1000; pages++) {
    const page = list(token);
    out.push(...items(page));
    if (!page.nextToken) return out;
    token = page.nextToken;
  }
  throw new Error('no last page');
}

describe('ListTaskDefinitions from the sorted family index', () => {
  const state = new InMemoryStateStore();
  const store = new EcsStore(state, scope);
  const ecs = ecsOf(store);
  // Registered out of name order, revisions interleaved.
  const registrations = ['mid', 'b', 'mid', 'z-last', 'a', 'b', 'mid', 'b', 'a', 'z-last', 'b-2'];
  for (const family of registrations)
    registerTaskDefinition({ family, containerDefinitions: [{ name: 'app', image: 'app:1', memory: 32 }] }, ecs);
  deregisterTaskDefinition({ taskDefinition: 'mid:2' }, ecs);
  const expected = ['a:1', 'a:2', 'b:1', 'b:2', 'b:3', 'b-2:1', 'mid:1', 'mid:3', 'z-last:1', 'z-last:2'].map((r) =>
    arn(r.split(':')[0]!, Number(r.split(':')[1])),
  );
  const list = (input: Parameters<typeof listTaskDefinitions>[0], s = store) =>
    allPages(
      (nextToken) => listTaskDefinitions({ ...input, nextToken }, ecsOf(s)),
      (page) => page.taskDefinitionArns ?? [],
    );

  it('lists every family and revision in order, a page at a time, ASC and DESC', () => {
    for (const maxResults of [1, 2, 3, 100]) {
      expect(list({ maxResults })).toEqual(expected);
      expect(list({ maxResults, sort: 'DESC' })).toEqual([...expected].reverse());
    }
  });

  it('lists one family, and the INACTIVE revisions when asked', () => {
    expect(list({ familyPrefix: 'b', maxResults: 2 })).toEqual([arn('b', 1), arn('b', 2), arn('b', 3)]);
    expect(list({ familyPrefix: 'b', maxResults: 2, sort: 'DESC' })).toEqual([arn('b', 3), arn('b', 2), arn('b', 1)]);
    expect(list({ status: 'INACTIVE', maxResults: 1 })).toEqual([arn('mid', 2)]);
    expect(list({ familyPrefix: 'nope' })).toEqual([]);
  });

  it('resumes after the token when revisions are added or deregistered meanwhile', () => {
    const first = listTaskDefinitions({ maxResults: 3 }, ecs);
    expect(first.taskDefinitionArns).toEqual(expected.slice(0, 3));
    deregisterTaskDefinition({ taskDefinition: 'b:1' }, ecs);
    registerTaskDefinition({ family: 'a', containerDefinitions: [{ name: 'app', image: 'app:1', memory: 32 }] }, ecs);
    const second = listTaskDefinitions({ maxResults: 3, nextToken: first.nextToken }, ecs);
    expect(second.taskDefinitionArns).toEqual([arn('b', 2), arn('b', 3), arn('b-2', 1)]);
  });

  it('rebuilds the index from the stored records', () => {
    const reopened = new EcsStore(state, scope);
    expect(list({ maxResults: 4 }, reopened)).toEqual(list({ maxResults: 100 }));
  });
});

describe('ListTasks from the task index', () => {
  const state = new InMemoryStateStore();
  const store = new EcsStore(state, scope);
  const cluster = (name: string): ClusterRecord => ({
    clusterArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${name}`,
    clusterName: name,
    status: 'ACTIVE',
    createdAt: new Date(0),
  });
  store.clusters.put('one', cluster('one'));
  store.clusters.put('two', cluster('two'));
  const taskArn = (clusterName: string, id: string) => `arn:aws:ecs:us-east-1:000000000000:task/${clusterName}/${id}`;
  const put = (clusterName: string, id: string, createdAtMs: number, desiredStatus: string, family = 'web') =>
    store.tasks.put(`${clusterName}/${id}`, {
      ...scope,
      taskArn: taskArn(clusterName, id),
      clusterArn: cluster(clusterName).clusterArn,
      taskDefinitionArn: arn(family, 1),
      createdAt: new Date(createdAtMs),
      desiredStatus,
      lastStatus: desiredStatus === 'RUNNING' ? 'RUNNING' : 'STOPPED',
      group: `service:${family}`,
    } as unknown as TaskRecord);
  // Created out of id order; two at the same millisecond.
  put('one', 'e', 5, 'RUNNING');
  put('one', 'a', 1, 'RUNNING');
  put('one', 'c', 3, 'STOPPED');
  put('two', 'b', 2, 'RUNNING');
  put('one', 'd', 4, 'RUNNING', 'other');
  put('one', 'f', 4, 'RUNNING');
  const list = (input: Parameters<typeof listTasks>[0], s = store) =>
    allPages(
      (nextToken) => listTasks({ ...input, nextToken }, ecsOf(s)),
      (page) => (page.taskArns ?? []).map((a) => a.slice(a.lastIndexOf('/') + 1)),
    );

  it('lists a cluster’s tasks of one desired status, oldest first, a page at a time, filters applied', () => {
    for (const maxResults of [1, 2, 100]) expect(list({ cluster: 'one', maxResults })).toEqual(['a', 'd', 'f', 'e']);
    expect(list({ cluster: 'one', desiredStatus: 'STOPPED' })).toEqual(['c']);
    expect(list({ cluster: 'two' })).toEqual(['b']);
    expect(list({ cluster: 'one', family: 'other', maxResults: 1 })).toEqual(['d']);
    // A service's tasks come from the index by group, in the same order and pages.
    for (const maxResults of [1, 2, 100])
      expect(list({ cluster: 'one', serviceName: 'web', maxResults })).toEqual(['a', 'f', 'e']);
    expect(list({ cluster: 'one', serviceName: 'web', desiredStatus: 'STOPPED' })).toEqual(['c']);
    expect(list({ cluster: 'one', serviceName: 'other', maxResults: 1 })).toEqual(['d']);
    expect(list({ cluster: 'two', serviceName: 'other' })).toEqual([]);
  });

  it('moves a task between statuses when it is stopped, and resumes after a task that went away', () => {
    const first = listTasks({ cluster: 'one', maxResults: 2 }, ecsOf(store));
    expect(first.taskArns).toEqual([taskArn('one', 'a'), taskArn('one', 'd')]);
    store.tasks.delete('one/d');
    put('one', 'f', 4, 'STOPPED');
    expect(listTasks({ cluster: 'one', maxResults: 2, nextToken: first.nextToken }, ecsOf(store)).taskArns).toEqual([
      taskArn('one', 'e'),
    ]);
    expect(list({ cluster: 'one', desiredStatus: 'STOPPED' })).toEqual(['c', 'f']);
    expect(list({ cluster: 'one' }, new EcsStore(state, scope))).toEqual(['a', 'e']);
    expect(list({ cluster: 'one', serviceName: 'web', desiredStatus: 'STOPPED' })).toEqual(['c', 'f']);
    expect(list({ cluster: 'one', serviceName: 'web' }, new EcsStore(state, scope))).toEqual(['a', 'e']);
    expect(list({ cluster: 'one', serviceName: 'other' })).toEqual([]);
  });

  it('gives a cluster’s tasks of every status, oldest first, as the scan does', () => {
    const ids = (tasks: ScopedTasks) =>
      tasks.inCluster('one').map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1));
    const runtime = {} as TaskRuntime;
    const indexed = new ScopedTasks(store.tasks, runtime, async () => true, store.taskIndex);
    expect(ids(indexed)).toEqual(['a', 'c', 'f', 'e']);
    expect(ids(indexed)).toEqual(ids(new ScopedTasks(store.tasks, runtime, async () => true)));
    expect(new ScopedTasks(store.tasks, runtime, async () => true, store.taskIndex).inCluster('none')).toEqual([]);
  });

  it('builds the same index from a reopened persistent store, whose records are read only in part', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-listing-'));
    try {
      let journal = new JournalStateStore({ dir, fsync: false });
      const written = new EcsStore(journal, scope);
      for (const [key, record] of store.clusters.entries()) written.clusters.put(key, record);
      for (const [key, task] of store.tasks.entries()) written.tasks.put(key, task);
      const indexOf = (s: EcsStore) => [
        list({ cluster: 'one' }, s),
        list({ cluster: 'one', desiredStatus: 'STOPPED' }, s),
        [...s.taskIndex.unfinishedKeys()].sort(),
      ];
      const expected = indexOf(written);
      journal.close();
      // From the journal, then from a snapshot, then from one that carries the index's members (as
      // openEcsState opens the store), written at open, then read.
      const snapshotMembers = { [ECS_TABLES.tasks]: TASK_INDEX_MEMBERS };
      for (const options of [
        {},
        { compactAfterBytes: 1 },
        { compactAfterBytes: 1, snapshotMembers },
        { snapshotMembers },
      ]) {
        journal = new JournalStateStore({ dir, fsync: false, ...options });
        expect(indexOf(new EcsStore(journal, scope))).toEqual(expected);
        journal.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rebuilds every index in one call after the tables changed underneath', () => {
    const copy = new EcsStore(state, scope);
    const before = list({ cluster: 'one' }, copy);
    // Written through another view of the same tables: `copy`'s indexes do not see it until rebuilt.
    const other = new EcsStore(state, scope);
    other.tasks.put('one/g', { ...store.tasks.get('one/a')!, taskArn: taskArn('one', 'g'), createdAt: new Date(9) });
    expect(list({ cluster: 'one' }, copy)).toEqual(before);
    copy.loadIndexes();
    expect(list({ cluster: 'one' }, copy)).toEqual([...before, 'g']);
    other.tasks.delete('one/g');
    copy.loadIndexes();
    expect(list({ cluster: 'one' }, copy)).toEqual(before);
  });

  it('gives the runtime the unfinished tasks and retention the stopped ones by stoppedAt, of every account', () => {
    const tasks = new InMemoryStateStore();
    const stores = new AccountRegionStores((accountId, region) => new EcsStore(tasks, { accountId, region }));
    const repository = new StoreTaskRepository(stores, tasks.table(ECS_TABLES.tasks), tasks);
    const other = { accountId: '111111111111', region: 'eu-west-1' };
    const record = (at: typeof scope, id: string, lastStatus: string, stoppedAtMs?: number) =>
      ({
        ...at,
        taskArn: `arn:aws:ecs:${at.region}:${at.accountId}:task/one/${id}`,
        createdAt: new Date(1),
        desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
        lastStatus,
        stoppedAt: stoppedAtMs === undefined ? undefined : new Date(stoppedAtMs),
      }) as unknown as TaskRecord;
    repository.put(record(scope, 'run', 'RUNNING'));
    repository.put(record(scope, 'old', 'STOPPED', 10));
    repository.put(record(other, 'pending', 'PENDING'));
    repository.put(record(other, 'older', 'STOPPED', 5));
    repository.put(record(other, 'new', 'STOPPED', 50));
    const ids = (list: TaskRecord[]) => list.map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1)).sort();
    expect(ids(repository.unfinished())).toEqual(['pending', 'run']);
    // Stopping one moves it from the unfinished to the stopped.
    repository.put(record(scope, 'run', 'STOPPED', 20));
    expect(ids(repository.unfinished())).toEqual(['pending']);
    expect(repository.forgetStoppedBefore(new Date(21))).toBe(3);
    expect([...tasks.table(ECS_TABLES.tasks).keys()].map((k) => k.slice(k.lastIndexOf('/') + 1)).sort()).toEqual([
      'new',
      'pending',
    ]);
    expect(repository.forgetStoppedBefore(new Date(21))).toBe(0);
  });
});
