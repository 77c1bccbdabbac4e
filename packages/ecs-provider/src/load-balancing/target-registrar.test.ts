import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { ServiceProvider } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import winston from 'winston';
import type { TaskRecord } from '../runtime/task-record';
import { TargetRegistrar, type TargetRegistrarOptions, type TargetsLeftBehind } from './target-registrar';

const group = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;
const lb = (name: string): LoadBalancer => ({ targetGroupArn: group(name), containerName: 'web', containerPort: 8080 });
const taskArn = 'arn:aws:ecs:us-east-1:000000000000:task/web/0123456789abcdef0123456789abcdef';
const running = {
  taskArn,
  accountId: '000000000000',
  region: 'us-east-1',
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/web',
  desiredStatus: 'RUNNING',
  lastStatus: 'RUNNING',
  attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '172.17.0.9' }] }],
} as TaskRecord;
const stopped = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;

/**
 * The part of the ELBv2 provider ECS's target registrar calls, holding each group's targets; calls can be
 * held at a gate and DeregisterTargets made to fail, and each call is recorded with the task's state then.
 */
class FakeElb {
  readonly groups = new Map<string, Set<string>>();
  gate?: Promise<void>;
  failures = 0;
  failureCode = 'ThrottlingException';
  readonly calls: { operation: string; group: string; lastStatus?: string }[] = [];
  constructor(private readonly taskNow: () => TaskRecord) {}

  async handle(operation: string, input: unknown): Promise<unknown> {
    const { TargetGroupArn, Targets } = input as { TargetGroupArn: string; Targets?: { Id: string; Port: number }[] };
    const name = TargetGroupArn.split('/')[1]!;
    if (operation === 'RegisterTargets' || operation === 'DeregisterTargets') {
      this.calls.push({ operation, group: name, lastStatus: this.taskNow().lastStatus });
    }
    await this.gate;
    const held = this.groups.get(name) ?? new Set<string>();
    this.groups.set(name, held);
    const key = Targets?.map((t) => `${t.Id}:${t.Port}`).join() ?? '';
    switch (operation) {
      case 'RegisterTargets':
        held.add(key);
        return {};
      case 'DeregisterTargets':
        if (this.failures > 0) {
          this.failures -= 1;
          throw Object.assign(new Error('Rate exceeded'), { code: this.failureCode });
        }
        if (!held.delete(key)) throw Object.assign(new Error('not registered'), { code: 'InvalidTarget' });
        return {};
      case 'DescribeTargetHealth':
        return {
          TargetHealthDescriptions: [
            {
              TargetHealth: held.has(key) ? { State: 'healthy' } : { State: 'unused', Reason: 'Target.NotRegistered' },
            },
          ],
        };
      case 'DescribeTargetGroupAttributes':
        return { Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }] };
    }
    throw new Error(`not faked: ${operation}`);
  }

  targetsIn(name: string): string[] {
    return [...(this.groups.get(name) ?? [])];
  }
}

function registrarFor(
  elb: FakeElb,
  task: () => TaskRecord,
  loadBalancers: () => LoadBalancer[],
  extra: Partial<TargetRegistrarOptions> = {},
) {
  return new TargetRegistrar({
    get: () => task(),
    put: () => undefined,
    serviceOf: () => ({ serviceName: 'api', loadBalancers: loadBalancers() }),
    elb: async () => elb as unknown as ServiceProvider,
    event: () => undefined,
    logger: winston.createLogger({ silent: true }),
    onHealthChanged: () => undefined,
    healthPollMs: 3_600_000,
    ...extra,
  });
}

describe('TargetRegistrar runs each change from the task as it is when the change runs', () => {
  test('a task stopped while its registration waits is never registered afterwards', async () => {
    let task = running;
    let groups = [lb('a')];
    const elb = new FakeElb(() => task);
    const registrar = registrarFor(
      elb,
      () => task,
      () => groups,
    );
    let open!: () => void;
    elb.gate = new Promise((resolve) => (open = resolve));
    registrar.taskChanged(task); // registers in a: held at the gate
    await new Promise((resolve) => setImmediate(resolve));
    groups = [lb('a'), lb('b')];
    registrar.taskChanged(task); // would join b: waits behind the call at the gate
    task = stopped;
    registrar.taskChanged(task); // stopped before the join ran
    open();
    await registrar.idle();
    registrar.close();

    expect(elb.calls.filter((c) => c.lastStatus === 'STOPPED' && c.operation === 'RegisterTargets')).toEqual([]);
    expect(elb.calls.map((c) => `${c.operation} ${c.group}`)).toEqual(['RegisterTargets a', 'DeregisterTargets a']);
    expect([...elb.targetsIn('a'), ...elb.targetsIn('b')]).toEqual([]);
  });
});

describe('TargetRegistrar retries a failed deregistration', () => {
  let task = running;
  let elb: FakeElb;
  let registrar: TargetRegistrar;
  let delays: number[];
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    task = running;
    delays = [];
    elb = new FakeElb(() => task);
    registrar = registrarFor(
      elb,
      () => task,
      () => [lb('a')],
      // Recorded, not waited for: the test moves the clock.
      { retryDelayMs: (attempt) => (delays.push(attempt), 1000 * 2 ** (attempt - 1)) },
    );
  });
  afterEach(() => {
    registrar.close();
    jest.useRealTimers();
  });
  const deregistrations = () => elb.calls.filter((c) => c.operation === 'DeregisterTargets').length;
  async function registeredThenStopped(failures: number) {
    registrar.taskChanged(task);
    await registrar.idle();
    expect(elb.targetsIn('a')).toEqual(['172.17.0.9:8080']);
    elb.failures = failures;
    task = stopped;
    registrar.taskChanged(task);
    await registrar.idle();
  }

  test('with backoff, until ELBv2 takes it out', async () => {
    await registeredThenStopped(2);
    expect(deregistrations()).toBe(1);
    expect(registrar.retrying).toBe(1);
    expect(elb.targetsIn('a')).toEqual(['172.17.0.9:8080']);

    await jest.advanceTimersByTimeAsync(1000);
    await registrar.idle();
    expect(deregistrations()).toBe(2);
    // The second wait is longer: nothing happens a second later.
    await jest.advanceTimersByTimeAsync(1000);
    expect(deregistrations()).toBe(2);
    await jest.advanceTimersByTimeAsync(1000);
    await registrar.idle();
    expect(deregistrations()).toBe(3);
    expect(delays).toEqual([1, 2]);
    expect(elb.targetsIn('a')).toEqual([]);
    expect(registrar.retrying).toBe(0);
  });

  test('until its target group is gone (TargetGroupNotFound ends the retries)', async () => {
    await registeredThenStopped(1);
    expect(registrar.retrying).toBe(1);
    elb.failures = 1;
    elb.failureCode = 'TargetGroupNotFound';
    await jest.advanceTimersByTimeAsync(60_000);
    await registrar.idle();
    expect(registrar.retrying).toBe(0);
    const made = deregistrations();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(deregistrations()).toBe(made);
  });
});

describe('TargetRegistrar across a restart', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a deregistration still failing at shutdown is stored, and made by the next process', async () => {
    let task = running;
    const elb = new FakeElb(() => task);
    const start = () => {
      const state = openStateStore({ dir });
      const leftBehind = state.table<TargetsLeftBehind>('ecs.targets-left-behind');
      const registrar = registrarFor(
        elb,
        () => task,
        () => [lb('a')],
        { leftBehind },
      );
      return { state, registrar, leftBehind };
    };

    const first = start();
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    elb.failures = 1;
    task = stopped;
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    expect(first.registrar.retrying).toBe(1);
    first.registrar.close();
    await first.state.durable();
    first.state.close();
    expect(elb.targetsIn('a')).toEqual(['172.17.0.9:8080']);

    // The next process: the task is STOPPED, so no change of it will come; the stored intent is made.
    const second = start();
    expect([...second.leftBehind.keys()]).toEqual([taskArn]);
    second.registrar.resume();
    await second.registrar.idle();
    expect(elb.targetsIn('a')).toEqual([]);
    expect([...second.leftBehind.keys()]).toEqual([]);
    second.registrar.close();
    second.state.close();
  });
});

describe('TargetRegistrar after the review (each failed before the fix)', () => {
  let dir: string;
  let task: TaskRecord;
  let groups: LoadBalancer[];
  let elb: FakeElb;
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-'));
    task = running;
    groups = [lb('a')];
    elb = new FakeElb(() => task);
  });
  afterEach(() => {
    jest.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const deregistrations = () => elb.calls.filter((c) => c.operation === 'DeregisterTargets').length;
  const open = (extra: Partial<TargetRegistrarOptions> = {}) => {
    const state = openStateStore({ dir });
    const leftBehind = state.table<TargetsLeftBehind>('ecs.targets-left-behind');
    const registrar = registrarFor(
      elb,
      () => task,
      () => groups,
      { leftBehind, retryDelayMs: () => 1000, put: (record) => (task = record), ...extra },
    );
    return { state, leftBehind, registrar };
  };
  const stoppedFailing = async (registrar: TargetRegistrar, failures: number) => {
    registrar.taskChanged(task);
    await registrar.idle();
    elb.failures = failures;
    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' }; // its holdings kept
    registrar.taskChanged(task);
    await registrar.idle();
  };

  test('no retry runs after close, even when a change queued behind a failing sync also failed', async () => {
    const { state, registrar } = open();
    registrar.taskChanged(task);
    await registrar.idle();
    elb.failures = 100;
    let release!: () => void;
    elb.gate = new Promise((resolve) => (release = resolve));
    task = stopped;
    registrar.taskChanged(task); // sync A: held at the gate, fails
    await new Promise((resolve) => setImmediate(resolve));
    registrar.taskChanged(task); // sync B: queued while A runs, fails too
    release();
    await registrar.idle();
    const made = deregistrations();
    registrar.close();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(deregistrations()).toBe(made);
    state.close();
  });

  test('a validation error ends the retries at once, and the record is dropped', async () => {
    const { state, leftBehind, registrar } = open();
    elb.failureCode = 'ValidationError';
    await stoppedFailing(registrar, 100);
    expect(registrar.retrying).toBe(0);
    expect(deregistrations()).toBe(1);
    expect([...leftBehind.keys()]).toEqual([]);
    registrar.close();
    state.close();
  });

  test('given up 24 h after the first failure, counted across a restart, and forgotten on the record too', async () => {
    const HOUR = 3_600_000;
    let clock = 0;
    const first = open({ now: () => clock });
    await stoppedFailing(first.registrar, 1_000);
    expect(first.leftBehind.get(taskArn)?.failingSince).toBe(0);
    clock = 20 * HOUR;
    await jest.advanceTimersByTimeAsync(1000);
    await first.registrar.idle();
    // Still failing 20 h on: retried, and the first failure's time kept.
    expect(first.registrar.retrying).toBe(1);
    expect(first.leftBehind.get(taskArn)?.failingSince).toBe(0);
    first.registrar.close();
    await first.state.durable();
    first.state.close();

    // The next process carries the count on: not 24 h from its own start.
    expect(task.holdings).toBeDefined();
    const second = open({ now: () => clock });
    second.registrar.resume();
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(1);
    clock = 24 * HOUR;
    await jest.advanceTimersByTimeAsync(1000);
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(0);
    expect([...second.leftBehind.keys()]).toEqual([]);
    expect(task.holdings).toBeUndefined();
    const made = deregistrations();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(deregistrations()).toBe(made);
    second.registrar.close();
    second.state.close();
  });

  test('resumed while ELBv2 is not enabled, the stored deregistration is kept for a later start', async () => {
    const first = open();
    await stoppedFailing(first.registrar, 1);
    first.registrar.close();
    await first.state.durable();
    first.state.close();

    const second = open({ elb: async () => undefined });
    second.registrar.resume();
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(0);
    expect([...second.leftBehind.keys()]).toEqual([taskArn]);
    second.registrar.close();
    second.state.close();

    const third = open();
    third.registrar.resume();
    await third.registrar.idle();
    expect(elb.targetsIn('a')).toEqual([]);
    expect([...third.leftBehind.keys()]).toEqual([]);
    third.registrar.close();
    third.state.close();
  });

  test('a target that failed to leave and is wanted again no longer has a deregistration stored', async () => {
    const { state, leftBehind, registrar } = open();
    groups = [lb('a'), lb('b')];
    registrar.taskChanged(task);
    await registrar.idle();
    elb.failures = 1;
    groups = [lb('b')];
    registrar.taskChanged(task);
    await registrar.idle();
    expect(leftBehind.get(taskArn)?.targets.map((t) => t.targetGroupArn)).toEqual([group('a')]);
    groups = [lb('a'), lb('b')];
    registrar.taskChanged(task);
    await registrar.idle();
    expect(leftBehind.get(taskArn)?.targets ?? []).toEqual([]);
    registrar.close();
    state.close();
  });

  test('after a restart, a running task restored from its record is registered again in the groups it holds', async () => {
    const first = open();
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    first.registrar.close();
    await first.state.durable();
    first.state.close();
    elb.groups.get('a')!.clear(); // lost meanwhile (say, deregistered by hand)

    const second = open();
    second.registrar.resume();
    second.registrar.taskChanged(task);
    await second.registrar.idle();
    expect(elb.targetsIn('a')).toEqual(['172.17.0.9:8080']);
    // Held on the task's record, not in the table of deregistrations left to make.
    expect(task.holdings?.targets?.map((t) => t.targetGroupArn)).toEqual([group('a')]);
    expect([...second.leftBehind.keys()]).toEqual([]);
    second.registrar.close();
    second.state.close();
  });

  test("after a restart, a stopped task leaves its own (task set's) groups, not its service's", async () => {
    const first = open();
    groups = [lb('blue')]; // its task set's
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    expect(elb.targetsIn('blue')).toEqual(['172.17.0.9:8080']);
    first.registrar.close();
    await first.state.durable();
    first.state.close();

    // The task set was deleted and the task stopped: its service's groups are all that is left to read.
    groups = [lb('service')];
    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' };
    const second = open();
    second.registrar.resume();
    second.registrar.taskChanged(task);
    await second.registrar.idle();
    expect(elb.targetsIn('blue')).toEqual([]);
    expect([...second.leftBehind.keys()]).toEqual([]);
    second.registrar.close();
    second.state.close();
  });
});

describe("TargetRegistrar keeps what it registered a task with on the task's record (its holdings)", () => {
  test('holds the target on the record before RegisterTargets is called, and drops it once deregistered', async () => {
    let task = running;
    const elb = new FakeElb(() => task);
    const heldAtCall: string[][] = [];
    const handle = elb.handle.bind(elb);
    elb.handle = async (operation, input) => {
      if (operation === 'RegisterTargets') {
        heldAtCall.push((task.holdings?.targets ?? []).map((t) => t.targetGroupArn.split('/')[1]!));
      }
      return handle(operation, input);
    };
    const registrar = registrarFor(
      elb,
      () => task,
      () => [lb('a')],
      { put: (record) => (task = record) },
    );
    registrar.taskChanged(task);
    await registrar.idle();
    expect(heldAtCall).toEqual([['a']]);
    expect(task.holdings?.targets?.map((t) => t.id)).toEqual(['172.17.0.9']);

    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' };
    registrar.taskChanged(task);
    await registrar.idle();
    expect(elb.targetsIn('a')).toEqual([]);
    expect(task.holdings).toBeUndefined();
    registrar.close();
  });

  test('after a restart, a stopped task of a deleted task set leaves the groups its record holds, though its deployment names none', async () => {
    let task = running;
    let groups = [lb('blue')]; // its task set's
    const elb = new FakeElb(() => task);
    const start = () =>
      registrarFor(
        elb,
        () => task,
        () => groups,
        { put: (record) => (task = record) },
      );
    const first = start();
    first.taskChanged(task);
    await first.idle();
    expect(elb.targetsIn('blue')).toEqual(['172.17.0.9:8080']);
    first.close();

    // While the gateway was down the task stopped and its task set went: it registers nowhere now.
    groups = [];
    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' };
    const second = start();
    second.resume();
    second.taskChanged(task);
    await second.idle();
    expect(elb.targetsIn('blue')).toEqual([]);
    expect(task.holdings).toBeUndefined();
    second.close();
  });
});
