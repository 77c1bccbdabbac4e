import type { TaskRef } from '../runtime/task-record';
import { TaskSyncQueue, type TaskSyncQueueOptions } from './task-sync-queue';

const ref: TaskRef = {
  accountId: '000000000000',
  region: 'us-east-1',
  taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/web/0123456789abcdef0123456789abcdef',
};

/** A queue whose syncs ask a retry while `failing`, and can be held at a gate; each run is counted. */
function queueFor(extra: Partial<TaskSyncQueueOptions> = {}) {
  const probe = { runs: 0, failing: true, gate: undefined as Promise<void> | undefined };
  const queue = new TaskSyncQueue({
    run: async () => {
      probe.runs += 1;
      await probe.gate;
      return { retry: probe.failing };
    },
    failed: () => undefined,
    retryDelayMs: () => 1000,
    ...extra,
  });
  return { queue, probe };
}

describe('TaskSyncQueue', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  test('a change queued while a failing sync runs leaves one retry timer, and none runs after close', async () => {
    const { queue, probe } = queueFor();
    let open!: () => void;
    probe.gate = new Promise((resolve) => (open = resolve));
    queue.schedule(ref); // sync A: held at the gate, will ask a retry
    await new Promise((resolve) => setImmediate(resolve));
    queue.schedule(ref); // sync B: queued behind A, will ask a retry too
    open();
    await queue.idle();
    expect(probe.runs).toBe(2);
    expect(queue.retrying).toBe(1);
    // A's retry timer was replaced by B's, not left behind it.
    expect(jest.getTimerCount()).toBe(1);

    queue.close();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(probe.runs).toBe(2);
  });

  test('a change while a retry waits runs it at once, carrying the attempt on; the retry does not run again', async () => {
    const attempts: number[] = [];
    const { queue, probe } = queueFor({ retryDelayMs: (attempt) => (attempts.push(attempt), 1000) });
    queue.schedule(ref);
    await queue.idle();
    expect(queue.retrying).toBe(1);
    queue.schedule(ref); // the waiting retry becomes this sync
    await queue.idle();
    expect(probe.runs).toBe(2);
    expect(attempts).toEqual([1, 2]);
    probe.failing = false;
    await jest.advanceTimersByTimeAsync(1000);
    await queue.idle();
    expect(probe.runs).toBe(3);
    expect(queue.retrying).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(probe.runs).toBe(3);
  });

  test('accepts no sync once closed', async () => {
    const { queue, probe } = queueFor();
    queue.close();
    queue.schedule(ref);
    await queue.idle();
    expect(probe.runs).toBe(0);
  });

  test('a sync that throws is reported and ends that sync only', async () => {
    const failures: unknown[] = [];
    let calls = 0;
    const queue = new TaskSyncQueue({
      run: () => ((calls += 1) === 1 ? Promise.reject(new Error('boom')) : Promise.resolve({ retry: false })),
      failed: (_ref, error) => failures.push(error),
    });
    queue.schedule(ref);
    await queue.idle();
    queue.schedule(ref);
    await queue.idle();
    expect(failures.map(String)).toEqual(['Error: boom']);
    expect(calls).toBe(2);
  });
});
