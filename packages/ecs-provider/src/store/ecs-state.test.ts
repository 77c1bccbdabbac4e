import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateStoreWriteError } from '@localcloud/persistence';
import type { TaskRecord } from '../runtime/task-record';
import { openEcsState, type EcsState } from './ecs-state';

/*
 * A failed group-commit sync rolls the records back; the listing indexes built over them (each view's key
 * set, the sorted families, the task index) must say the same afterwards. The failure is injected as
 * persistence's own tests inject it: the next fdatasync fails after the change reached the file.
 */

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

function failNextSync(): jest.SpyInstance {
  return jest.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, done: (e: Error) => void) => {
    setImmediate(() => done(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
  }) as unknown as typeof fs.fdatasync);
}

const task = (id: string, desiredStatus: string) =>
  ({
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/c/${id}`,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/c`,
    accountId: ACCOUNT,
    region: REGION,
    desiredStatus,
    group: 'service:web',
    createdAt: new Date(1_000),
  }) as TaskRecord;

/**
 * A state in a folder of its own for each test, holding durably one of what each listing index covers: an
 * account setting, the family 'kept' and cluster c's RUNNING task t1.
 */
function useSeededState() {
  let dir: string;
  let ecs: EcsState;
  const store = () => ecs.stores.get(ACCOUNT, REGION);
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecs-state-'));
    ecs = openEcsState(dir);
    store().accountSettings.put('root awsvpcTrunking', {
      name: 'awsvpcTrunking',
      value: 'enabled',
      principalArn: 'root',
    });
    store().families.put('kept', { lastRevision: 1, status: 'ACTIVE' } as never);
    store().tasks.put('c/t1', task('t1', 'RUNNING'));
    await ecs.state.durable();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    ecs.state.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  /** Cluster c's task keys of one desired status, as the task index lists them. */
  const indexed = (status: string) => [...store().taskIndex.after('c', status, undefined)].map((p) => p.slice(16));
  return {
    store,
    durable: () => ecs.state.durable(),
    running: () => indexed('RUNNING'),
    stopped: () => indexed('STOPPED'),
    /** Cluster c's task keys in group service:web (the task index by group). */
    web: () => store().taskIndex.inGroup('c', 'service:web'),
  };
}

describe('the ECS views after a failed journal sync', () => {
  const { store, durable, running, stopped, web } = useSeededState();

  it('lists exactly what the rolled-back records hold: deletes undone, puts gone, moves in the task index undone', async () => {
    const sync = failNextSync();
    store().accountSettings.delete('root awsvpcTrunking');
    store().families.put('ghost', { lastRevision: 1, status: 'ACTIVE' } as never);
    store().tasks.put('c/t1', task('t1', 'STOPPED'));
    store().tasks.put('c/t2', task('t2', 'RUNNING'));
    store().tasks.put('c/t3', { ...task('t3', 'RUNNING'), group: 'service:other' });
    expect(running()).toEqual(['c/t2', 'c/t3']);
    expect(web()).toEqual(['c/t1', 'c/t2']);
    const stamp = store().taskIndex.groupStamp('c', 'service:web');

    await expect(durable()).rejects.toThrow(StateStoreWriteError);
    expect(sync).toHaveBeenCalledTimes(1);
    expect(store().accountSettings.get('root awsvpcTrunking')?.value).toBe('enabled');
    expect([...store().accountSettings.entries()].map(([key]) => key)).toEqual(['root awsvpcTrunking']);
    expect([...store().families.keysAfter(undefined)]).toEqual(['kept']);
    expect(store().tasks.size).toBe(1);
    expect(running()).toEqual(['c/t1']);
    expect(stopped()).toEqual([]);
    expect(web()).toEqual(['c/t1']);
    expect(store().taskIndex.inGroup('c', 'service:other')).toEqual([]);
    // The group changed back: a scheduler that saw the stamp before must not take it for unchanged.
    expect(store().taskIndex.groupStamp('c', 'service:web')).not.toBe(stamp);
  });

  it('builds the views again before any waiter hears of the failure', async () => {
    failNextSync();
    store().tasks.put('c/t1', task('t1', 'STOPPED'));
    const seen = await durable().then(
      () => 'durable',
      () => running(),
    );
    expect(seen).toEqual(['c/t1']);
  });
});

/*
 * The other two ways a transaction's records are undone, before any sync: the function throws after it
 * wrote, or the journal refuses the transaction's line. The views are not dropped then (requests in flight
 * hold them), so their indexes must be rebuilt in place.
 */
describe('the ECS views after a transaction that throws', () => {
  const { store, durable, running, stopped } = useSeededState();
  const listed = () => ({
    families: [...store().families.keysAfter(undefined)],
    settings: [...store().accountSettings.entries()].map(([key]) => key),
    clusters: [...store().clusters.entries()].map(([key]) => key),
    tasks: store().tasks.size,
    running: running(),
    stopped: stopped(),
    unfinished: [...store().taskIndex.unfinishedKeys()],
    web: store().taskIndex.inGroup('c', 'service:web'),
    other: store().taskIndex.inGroup('c', 'service:other'),
  });
  // Each change moves an index: a new family (sorted keys), a task's desired status (task index), a new
  // task, a deleted setting and a new cluster (key sets, listed before the transaction so they exist).
  const writeEverything = () => {
    store().families.put('ghost', { lastRevision: 1, status: 'ACTIVE' } as never);
    store().tasks.put('c/t1', task('t1', 'STOPPED'));
    store().tasks.put('c/t2', task('t2', 'RUNNING'));
    store().tasks.put('c/t3', { ...task('t3', 'RUNNING'), group: 'service:other' });
    store().accountSettings.delete('root awsvpcTrunking');
    store().clusters.put('ghost', { clusterName: 'ghost' } as never);
  };
  let before: ReturnType<typeof listed>;

  beforeEach(() => {
    before = listed();
    expect(before).toEqual({
      families: ['kept'],
      settings: ['root awsvpcTrunking'],
      clusters: [],
      tasks: 1,
      running: ['c/t1'],
      stopped: [],
      unfinished: ['c/t1'],
      web: ['c/t1'],
      other: [],
    });
  });

  it('lists what the records hold when the function throws after its puts and deletes', async () => {
    const held = store();
    expect(() =>
      held.transaction(() => {
        writeEverything();
        expect(running()).toEqual(['c/t2', 'c/t3']);
        expect(listed().web).toEqual(['c/t1', 'c/t2']);
        throw new Error('a handler failed half-way');
      }),
    ).toThrow('a handler failed half-way');

    expect(store()).toBe(held); // rebuilt in place, not dropped
    expect(held.tasks.get('c/t1')?.desiredStatus).toBe('RUNNING');
    expect(listed()).toEqual(before);
    // Still usable, and durable: the store did not fail.
    held.families.put('next', { lastRevision: 1, status: 'ACTIVE' } as never);
    await durable();
    expect([...held.families.keysAfter(undefined)]).toEqual(['kept', 'next']);
  });

  it('lists what the records hold when the journal refuses the transaction', async () => {
    jest.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    expect(() => store().transaction(writeEverything)).toThrow('ENOSPC');

    expect(store().tasks.get('c/t2')).toBeUndefined();
    expect(listed()).toEqual(before);
    await durable();
  });

  it('lists what the records hold when an inner transaction throws, the outer one goes on, then throws', () => {
    expect(() =>
      store().transaction(() => {
        store().families.put('outer', { lastRevision: 1, status: 'ACTIVE' } as never);
        try {
          store().transaction(() => {
            store().tasks.put('c/t1', task('t1', 'STOPPED'));
            throw new Error('inner');
          });
        } catch {
          // The outer one goes on: the inner one's put stays, as a joined transaction's does.
        }
        expect(stopped()).toEqual(['c/t1']);
        expect([...store().families.keysAfter(undefined)]).toEqual(['kept', 'outer']);
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(listed()).toEqual(before);
  });
});
