import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateStoreUnavailableError } from '@localcloud/persistence';
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
    createdAt: new Date(1_000),
  }) as TaskRecord;

describe('the ECS views after a failed journal sync', () => {
  let dir: string;
  let ecs: EcsState;
  const store = () => ecs.stores.get(ACCOUNT, REGION);
  const running = () => [...store().taskIndex.after('c', 'RUNNING', undefined)].map((p) => p.slice(16));
  const stopped = () => [...store().taskIndex.after('c', 'STOPPED', undefined)].map((p) => p.slice(16));

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

  it('lists exactly what the rolled-back records hold: deletes undone, puts gone, moves in the task index undone', async () => {
    const sync = failNextSync();
    store().accountSettings.delete('root awsvpcTrunking');
    store().families.put('ghost', { lastRevision: 1, status: 'ACTIVE' } as never);
    store().tasks.put('c/t1', task('t1', 'STOPPED'));
    store().tasks.put('c/t2', task('t2', 'RUNNING'));
    expect(running()).toEqual(['c/t2']);

    await expect(ecs.state.durable()).rejects.toThrow(StateStoreUnavailableError);
    expect(sync).toHaveBeenCalledTimes(1);
    expect(store().accountSettings.get('root awsvpcTrunking')?.value).toBe('enabled');
    expect([...store().accountSettings.entries()].map(([key]) => key)).toEqual(['root awsvpcTrunking']);
    expect([...store().families.keysAfter(undefined)]).toEqual(['kept']);
    expect(store().tasks.size).toBe(1);
    expect(running()).toEqual(['c/t1']);
    expect(stopped()).toEqual([]);
  });

  it('builds the views again before any waiter hears of the failure', async () => {
    failNextSync();
    store().tasks.put('c/t1', task('t1', 'STOPPED'));
    const seen = await ecs.state.durable().then(
      () => 'durable',
      () => running(),
    );
    expect(seen).toEqual(['c/t1']);
  });
});
