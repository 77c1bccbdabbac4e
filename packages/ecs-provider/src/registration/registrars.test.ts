import { CLOUD_MAP, RegistrarBed, TARGETS, TASK_ARN, type RegistrarKind } from '../testing/registrar-bed';

/**
 * What both registrars (Cloud Map instances, ELBv2 targets) must do alike: each change run from the task as
 * it is then, failed deregistrations retried and stored for the next process, given up 24 h after the
 * first failure, and the task leaving what its record holds. Each test once per registrar.
 */
describe.each([CLOUD_MAP, TARGETS])('$name', (kind: RegistrarKind) => {
  let bed: RegistrarBed;
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    bed = new RegistrarBed(kind);
  });
  afterEach(() => {
    jest.useRealTimers();
    bed.remove();
  });
  const calls = () => bed.fake.calls.map((c) => `${c.operation} ${c.place}`);

  test('a task stopped while its registration waits is never registered afterwards', async () => {
    const registrar = bed.registrar();
    let open!: () => void;
    bed.fake.gate = new Promise((resolve) => (open = resolve));
    registrar.taskChanged(bed.task); // registers in a: held at the gate
    await new Promise((resolve) => setImmediate(resolve));
    bed.places = ['a', 'b'];
    registrar.taskChanged(bed.task); // would join b: waits behind the call at the gate
    bed.stop();
    registrar.taskChanged(bed.task); // stopped before the join ran
    open();
    await registrar.idle();
    registrar.close();

    expect(bed.fake.calls.filter((c) => c.lastStatus === 'STOPPED' && c.operation === kind.register)).toEqual([]);
    expect(calls()).toEqual([`${kind.register} a`, `${kind.deregister} a`]);
    expect([...bed.fake.membersOf('a'), ...bed.fake.membersOf('b')]).toEqual([]);
  });

  test('a failed deregistration is retried with backoff until it takes effect', async () => {
    const delays: number[] = [];
    // Recorded, not waited for: the test moves the clock.
    const registrar = bed.registrar({ retryDelayMs: (attempt) => (delays.push(attempt), 1000 * 2 ** (attempt - 1)) });
    await bed.stoppedFailing(registrar, 2);
    expect(bed.deregistrations()).toBe(1);
    expect(registrar.retrying).toBe(1);
    expect(bed.fake.membersOf('a')).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(1000);
    await registrar.idle();
    expect(bed.deregistrations()).toBe(2);
    // The second wait is longer: nothing happens a second later.
    await jest.advanceTimersByTimeAsync(1000);
    expect(bed.deregistrations()).toBe(2);
    await jest.advanceTimersByTimeAsync(1000);
    await registrar.idle();
    expect(bed.deregistrations()).toBe(3);
    expect(delays).toEqual([1, 2]);
    expect(bed.fake.membersOf('a')).toEqual([]);
    expect(registrar.retrying).toBe(0);
    registrar.close();
  });

  test('the retries end when its place is gone', async () => {
    const registrar = bed.registrar();
    await bed.stoppedFailing(registrar, 1);
    expect(registrar.retrying).toBe(1);
    bed.fake.failures = 1;
    bed.fake.failureCode = kind.goneCode;
    await jest.advanceTimersByTimeAsync(60_000);
    await registrar.idle();
    expect(registrar.retrying).toBe(0);
    const made = bed.deregistrations();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(bed.deregistrations()).toBe(made);
    registrar.close();
  });

  test('no retry runs after close, even when a change queued behind a failing sync also failed', async () => {
    const registrar = bed.registrar({ retryDelayMs: () => 1000 });
    await bed.changed(registrar);
    bed.fake.failures = 100;
    let release!: () => void;
    bed.fake.gate = new Promise((resolve) => (release = resolve));
    bed.stop();
    registrar.taskChanged(bed.task); // sync A: held at the gate, fails
    await new Promise((resolve) => setImmediate(resolve));
    registrar.taskChanged(bed.task); // sync B: queued while A runs, fails too
    release();
    await registrar.idle();
    const made = bed.deregistrations();
    registrar.close();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(bed.deregistrations()).toBe(made);
  });

  test('a validation error ends the retries at once, and the record is dropped', async () => {
    const { leftBehind, registrar, stop } = bed.open();
    bed.fake.failureCode = kind.validationCode;
    await bed.stoppedFailing(registrar, 100);
    expect(registrar.retrying).toBe(0);
    expect(bed.deregistrations()).toBe(1);
    expect([...leftBehind.keys()]).toEqual([]);
    await stop();
  });

  test('a deregistration still failing at shutdown is stored, and made by the next process', async () => {
    const first = bed.open();
    await bed.stoppedFailing(first.registrar, 1);
    expect(first.registrar.retrying).toBe(1);
    await first.stop();
    expect(bed.fake.membersOf('a')).toHaveLength(1);

    // The next process: the task is STOPPED, so no change of it will come; the stored intent is made.
    const second = bed.open();
    expect([...second.leftBehind.keys()]).toEqual([TASK_ARN]);
    second.registrar.resume();
    await second.registrar.idle();
    expect(bed.fake.membersOf('a')).toEqual([]);
    expect([...second.leftBehind.keys()]).toEqual([]);
    await second.stop();
  });

  test('resumed while the other service is not enabled, the stored deregistration is kept for a later start', async () => {
    const first = bed.open();
    await bed.stoppedFailing(first.registrar, 1);
    await first.stop();

    const second = bed.open({ missing: true });
    second.registrar.resume();
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(0);
    expect([...second.leftBehind.keys()]).toEqual([TASK_ARN]);
    await second.stop();

    const third = bed.open();
    third.registrar.resume();
    await third.registrar.idle();
    expect(bed.fake.membersOf('a')).toEqual([]);
    expect([...third.leftBehind.keys()]).toEqual([]);
    await third.stop();
  });

  test('given up 24 h after the first failure, counted across a restart, and forgotten on the record too', async () => {
    const HOUR = 3_600_000;
    const first = bed.open({ retryDelayMs: () => 1000 });
    await bed.stoppedFailing(first.registrar, 1_000);
    expect(first.leftBehind.get(TASK_ARN)?.failingSince).toBe(0);
    bed.clock = 20 * HOUR;
    await jest.advanceTimersByTimeAsync(1000);
    await first.registrar.idle();
    // Still failing 20 h on: retried, and the first failure's time kept.
    expect(first.registrar.retrying).toBe(1);
    expect(first.leftBehind.get(TASK_ARN)?.failingSince).toBe(0);
    await first.stop();

    // The next process carries the count on: not 24 h from its own start.
    expect(kind.holdings(bed.task)).toEqual(['a']);
    const second = bed.open({ retryDelayMs: () => 1000 });
    second.registrar.resume();
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(1);
    bed.clock = 24 * HOUR;
    await jest.advanceTimersByTimeAsync(1000);
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(0);
    expect([...second.leftBehind.keys()]).toEqual([]);
    expect(bed.task.holdings).toBeUndefined();
    const made = bed.deregistrations();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(bed.deregistrations()).toBe(made);
    await second.stop();
  });

  test('a deregistration that takes effect ends the count: a later failure starts it again', async () => {
    const { leftBehind, registrar, stop } = bed.open({ retryDelayMs: () => 1000, giveUpAfterMs: 10_000 });
    await bed.stoppedFailing(registrar, 1);
    bed.clock = 5_000;
    await jest.advanceTimersByTimeAsync(1000);
    await registrar.idle();
    expect(bed.fake.membersOf('a')).toEqual([]);
    expect([...leftBehind.keys()]).toEqual([]);

    // Registered again (the same task running again, as far as the registrar can tell), failing to leave 8 s on.
    bed.task = { ...bed.task, desiredStatus: 'RUNNING', lastStatus: 'RUNNING' };
    bed.clock = 8_000;
    await bed.stoppedFailing(registrar, 1_000);
    expect(leftBehind.get(TASK_ARN)?.failingSince).toBe(8_000);
    await stop();
  });

  test('holds the task on its record before the register call, and drops it once deregistered', async () => {
    const registrar = bed.registrar();
    await bed.changed(registrar);
    expect(bed.fake.calls.map((c) => [c.operation, c.holdings])).toEqual([[kind.register, ['a']]]);
    expect(kind.holdings(bed.task)).toEqual(['a']);
    bed.stop();
    await bed.changed(registrar);
    expect(bed.fake.membersOf('a')).toEqual([]);
    expect(bed.task.holdings).toBeUndefined();
    registrar.close();
  });

  test('after a restart, a stopped task of a deleted task set leaves what its record holds, though its deployment names nothing', async () => {
    bed.places = ['blue']; // its task set's
    const first = bed.open();
    await bed.changed(first.registrar);
    expect(bed.fake.membersOf('blue')).toHaveLength(1);
    await first.stop();

    // While the gateway was down the task stopped and its task set went: it registers nowhere now.
    bed.places = [];
    bed.stop();
    const second = bed.open();
    second.registrar.resume();
    await bed.changed(second.registrar);
    expect(bed.fake.membersOf('blue')).toEqual([]);
    expect(bed.task.holdings).toBeUndefined();
    await second.stop();
  });

  test("after a restart, a stopped task leaves its own (task set's) places, not those its service names now", async () => {
    bed.places = ['blue'];
    const first = bed.open();
    await bed.changed(first.registrar);
    await first.stop();

    bed.places = ['service'];
    bed.stop();
    const second = bed.open();
    second.registrar.resume();
    await bed.changed(second.registrar);
    expect(bed.fake.membersOf('blue')).toEqual([]);
    expect(calls().filter((c) => c.endsWith(' service'))).toEqual([]);
    expect([...second.leftBehind.keys()]).toEqual([]);
    await second.stop();
  });
});
