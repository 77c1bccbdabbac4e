import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestContext } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import winston from 'winston';
import type { TaskRecord } from '../runtime/task-record';
import { RecordingCloudMap } from '../testing/recording-cloud-map';
import { ServiceRegistrar, type LeftBehind } from './service-registrar';

const registry = (id: string): ServiceRegistry => ({
  registryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}`,
});
const taskArn = 'arn:aws:ecs:us-east-1:000000000000:task/web/0123456789abcdef0123456789abcdef';
const running = {
  taskArn,
  accountId: '000000000000',
  region: 'us-east-1',
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/web',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:1',
  desiredStatus: 'RUNNING',
  lastStatus: 'RUNNING',
} as TaskRecord;

describe('ServiceRegistrar', () => {
  const cloudMap = new RecordingCloudMap();
  let task = running;
  let registries = [registry('srv-a')];
  const registrar = new ServiceRegistrar({
    get: () => task,
    put: (record) => (task = record),
    serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
    cloudMap: async () => cloudMap.asProvider(),
    logger: winston.createLogger({ silent: true }),
  });
  const changed = async () => {
    registrar.taskChanged(task);
    await registrar.idle();
  };

  test("follows a change of the task's registries: it joins the new ones and leaves those it is no longer in", async () => {
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    registries = [registry('srv-b'), registry('srv-c')];
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(cloudMap.instancesIn('srv-b')).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(cloudMap.instancesIn('srv-c')).toEqual(['0123456789abcdef0123456789abcdef']);

    registries = [registry('srv-c')];
    await changed();
    expect(cloudMap.instancesIn('srv-b')).toEqual([]);
    expect(cloudMap.instancesIn('srv-c')).toEqual(['0123456789abcdef0123456789abcdef']);

    // Stopping takes it out of the registries it is in now, and only those.
    task = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
    await changed();
    expect(['srv-a', 'srv-b', 'srv-c'].flatMap((id) => cloudMap.instancesIn(id))).toEqual([]);
  });
});

describe('ServiceRegistrar when a Cloud Map call fails', () => {
  let task = running;
  const cloudMap = new RecordingCloudMap();
  let registries = [registry('srv-a')];
  const registrar = new ServiceRegistrar({
    get: () => task,
    put: (record) => (task = record),
    serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
    cloudMap: async () => cloudMap.asProvider(),
    logger: winston.createLogger({ silent: true }),
  });
  const changed = async () => {
    registrar.taskChanged(task);
    await registrar.idle();
  };

  test('a failed join still leaves the old registry, and the next change retries the join', async () => {
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    // Moved to srv-b, whose RegisterInstance fails: it must be out of srv-a all the same.
    cloudMap.deleted.add('srv-b');
    registries = [registry('srv-b')];
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(cloudMap.instancesIn('srv-b')).toEqual([]);

    // The failed half was not recorded as applied: the next change of the same task registers it.
    cloudMap.deleted.delete('srv-b');
    await changed();
    expect(cloudMap.instancesIn('srv-b')).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
  });
});

/**
 * A Cloud Map whose calls can be held at a gate and made to fail, recording each call with the task's
 * state at the time it was made.
 */
class GatedCloudMap extends RecordingCloudMap {
  gate?: Promise<void>;
  /** DeregisterInstance fails this many more times with this error code. */
  failures = 0;
  failureCode = 'ThrottlingException';
  readonly calls: { operation: string; serviceId: string; lastStatus?: string }[] = [];
  constructor(private readonly taskNow: () => TaskRecord) {
    super();
  }
  override async handle(operation: string, input: unknown, context: RequestContext): Promise<unknown> {
    const { ServiceId } = input as { ServiceId: string };
    // The task's state when the call was made, not when the gate let it through.
    this.calls.push({ operation, serviceId: ServiceId, lastStatus: this.taskNow().lastStatus });
    await this.gate;
    if (operation === 'DeregisterInstance' && this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('Rate exceeded'), { code: this.failureCode });
    }
    return super.handle(operation, input, context);
  }
}

describe('ServiceRegistrar runs each change from the task as it is when the change runs', () => {
  let task = running;
  let registries = [registry('srv-a')];
  const cloudMap = new GatedCloudMap(() => task);
  const registrar = new ServiceRegistrar({
    get: () => task,
    put: (record) => (task = record),
    serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
    cloudMap: async () => cloudMap.asProvider(),
    logger: winston.createLogger({ silent: true }),
  });

  test('a task stopped while its registration waits is never registered afterwards', async () => {
    let open!: () => void;
    cloudMap.gate = new Promise((resolve) => (open = resolve));
    registrar.taskChanged(task); // registers in srv-a: held at the gate
    await new Promise((resolve) => setImmediate(resolve));
    registries = [registry('srv-a'), registry('srv-b')];
    registrar.taskChanged(task); // would join srv-b: waits behind the call at the gate
    task = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
    registrar.taskChanged(task); // stopped before the join ran
    open();
    await registrar.idle();

    expect(cloudMap.calls.filter((c) => c.lastStatus === 'STOPPED' && c.operation === 'RegisterInstance')).toEqual([]);
    expect(cloudMap.calls.map((c) => `${c.operation} ${c.serviceId}`)).toEqual([
      'RegisterInstance srv-a',
      'DeregisterInstance srv-a',
    ]);
    expect(['srv-a', 'srv-b'].flatMap((id) => cloudMap.instancesIn(id))).toEqual([]);
  });
});

describe('ServiceRegistrar retries a failed deregistration', () => {
  let task = running;
  const cloudMap = new GatedCloudMap(() => task);
  let delays: number[] = [];
  let registrar: ServiceRegistrar;
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    delays = [];
    registrar = new ServiceRegistrar({
      get: () => task,
      put: (record) => (task = record),
      serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: [registry('srv-a')] }),
      cloudMap: async () => cloudMap.asProvider(),
      logger: winston.createLogger({ silent: true }),
      // Recorded, not waited for: the test moves the clock.
      retryDelayMs: (attempt) => (delays.push(attempt), 1000 * 2 ** (attempt - 1)),
    });
  });
  afterEach(() => {
    registrar.close();
    jest.useRealTimers();
  });
  const deregistrations = () => cloudMap.calls.filter((c) => c.operation === 'DeregisterInstance').length;

  test('with backoff, until Cloud Map takes it out', async () => {
    task = running;
    registrar.taskChanged(task);
    await registrar.idle();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    cloudMap.failures = 2;
    task = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
    registrar.taskChanged(task);
    await registrar.idle();
    expect(deregistrations()).toBe(1);
    expect(registrar.retrying).toBe(1);
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

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
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(registrar.retrying).toBe(0);
  });

  test('until its Cloud Map service is gone (ServiceNotFound ends the retries)', async () => {
    task = running;
    registrar.taskChanged(task);
    await registrar.idle();
    cloudMap.failures = 1;
    task = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
    registrar.taskChanged(task);
    await registrar.idle();
    expect(registrar.retrying).toBe(1);

    cloudMap.failures = 1;
    cloudMap.failureCode = 'ServiceNotFound';
    await jest.advanceTimersByTimeAsync(60_000);
    await registrar.idle();
    expect(registrar.retrying).toBe(0);
    const made = deregistrations();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(deregistrations()).toBe(made);
  });
});

describe('ServiceRegistrar across a restart', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registrar-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a deregistration still failing at shutdown is stored, and made by the next process', async () => {
    const stopped = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
    let task = running;
    const cloudMap = new GatedCloudMap(() => task);
    const start = () => {
      const state = openStateStore({ dir });
      const registrar = new ServiceRegistrar({
        get: () => task,
        put: (record) => (task = record),
        serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: [registry('srv-a')] }),
        cloudMap: async () => cloudMap.asProvider(),
        logger: winston.createLogger({ silent: true }),
        leftBehind: state.table<LeftBehind>('ecs.cloud-map-left-behind'),
      });
      return { state, registrar };
    };

    const first = start();
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    cloudMap.failures = 1;
    task = stopped;
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    expect(first.registrar.retrying).toBe(1);
    first.registrar.close();
    await first.state.durable();
    first.state.close();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    // The next process: the task is STOPPED, so no change of it will come; the stored intent is made.
    const second = start();
    second.registrar.resume();
    await second.registrar.idle();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect([...second.state.table<LeftBehind>('ecs.cloud-map-left-behind').keys()]).toEqual([]);
    second.registrar.close();
    second.state.close();
  });

  test('a running task resumed before it is re-adopted leaves what the last process could not take it out of', async () => {
    let task = running;
    let registries = [registry('srv-a')];
    const cloudMap = new GatedCloudMap(() => task);
    const start = () => {
      const state = openStateStore({ dir });
      const registrar = new ServiceRegistrar({
        get: () => task,
        put: (record) => (task = record),
        serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
        cloudMap: async () => cloudMap.asProvider(),
        logger: winston.createLogger({ silent: true }),
        leftBehind: state.table<LeftBehind>('ecs.cloud-map-left-behind'),
      });
      return { state, registrar };
    };

    const first = start();
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    // Moved to srv-b while it runs; leaving srv-a fails, and the process stops.
    cloudMap.failures = 1;
    registries = [registry('srv-b')];
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    first.registrar.close();
    await first.state.durable();
    first.state.close();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    // As the provider starts: resume, then the supervisor re-adopts the task (a change of it).
    const second = start();
    second.registrar.resume();
    second.registrar.taskChanged(task);
    await second.registrar.idle();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(cloudMap.instancesIn('srv-b')).toEqual(['0123456789abcdef0123456789abcdef']);
    second.registrar.close();
    second.state.close();
  });
});

describe('ServiceRegistrar after the review (each failed before the fix)', () => {
  const stopped = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
  let dir: string;
  let task: TaskRecord;
  let cloudMap: GatedCloudMap;
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registrar-'));
    task = running;
    cloudMap = new GatedCloudMap(() => task);
  });
  afterEach(() => {
    jest.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const deregistrations = () => cloudMap.calls.filter((c) => c.operation === 'DeregisterInstance').length;
  const open = (extra: Partial<ConstructorParameters<typeof ServiceRegistrar>[0]> = {}) => {
    const state = openStateStore({ dir });
    const leftBehind = state.table<LeftBehind>('ecs.cloud-map-left-behind');
    const registrar = new ServiceRegistrar({
      get: () => task,
      put: (record) => (task = record),
      serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: [registry('srv-a')] }),
      cloudMap: async () => cloudMap.asProvider(),
      logger: winston.createLogger({ silent: true }),
      leftBehind,
      retryDelayMs: () => 1000,
      ...extra,
    });
    return { state, leftBehind, registrar };
  };
  const stoppedFailing = async (registrar: ServiceRegistrar, failures: number) => {
    registrar.taskChanged(task);
    await registrar.idle();
    cloudMap.failures = failures;
    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' }; // its holdings kept
    registrar.taskChanged(task);
    await registrar.idle();
  };

  test('no retry runs after close, even when a change queued behind a failing sync also failed', async () => {
    const { state, registrar } = open();
    registrar.taskChanged(task);
    await registrar.idle();
    cloudMap.failures = 100;
    let release!: () => void;
    cloudMap.gate = new Promise((resolve) => (release = resolve));
    task = stopped;
    registrar.taskChanged(task);
    await new Promise((resolve) => setImmediate(resolve));
    registrar.taskChanged(task);
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
    cloudMap.failureCode = 'InvalidInput';
    await stoppedFailing(registrar, 100);
    expect(registrar.retrying).toBe(0);
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

  test('a deregistration that takes effect ends the count: a later failure starts it again', async () => {
    let clock = 0;
    const { state, leftBehind, registrar } = open({ now: () => clock, giveUpAfterMs: 10_000 });
    await stoppedFailing(registrar, 1);
    clock = 5_000;
    await jest.advanceTimersByTimeAsync(1000);
    await registrar.idle();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect([...leftBehind.keys()]).toEqual([]);

    // The same task registered again (a new sync of it running), then failing to leave 8 s later.
    task = running;
    clock = 8_000;
    await stoppedFailing(registrar, 1_000);
    expect(leftBehind.get(taskArn)?.failingSince).toBe(8_000);
    registrar.close();
    state.close();
  });

  test('resumed while Cloud Map is not enabled, the stored deregistration is kept for a later start', async () => {
    const first = open();
    await stoppedFailing(first.registrar, 1);
    first.registrar.close();
    await first.state.durable();
    first.state.close();

    const second = open({ cloudMap: async () => undefined });
    second.registrar.resume();
    await second.registrar.idle();
    expect(second.registrar.retrying).toBe(0);
    expect([...second.leftBehind.keys()]).toEqual([taskArn]);
    second.registrar.close();
    second.state.close();

    const third = open();
    third.registrar.resume();
    await third.registrar.idle();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect([...third.leftBehind.keys()]).toEqual([]);
    third.registrar.close();
    third.state.close();
  });
});

describe("ServiceRegistrar keeps what it registered a task with on the task's record (its holdings)", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registrar-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('holds the instance on the record before RegisterInstance is called, and drops it once deregistered', async () => {
    let task = running;
    const heldAtCall: string[][] = [];
    const cloudMap = new (class extends RecordingCloudMap {
      override async handle(operation: string, input: unknown, context: RequestContext): Promise<unknown> {
        if (operation === 'RegisterInstance') heldAtCall.push((task.holdings?.cloudMap ?? []).map((i) => i.serviceId));
        return super.handle(operation, input, context);
      }
    })();
    const registrar = new ServiceRegistrar({
      get: () => task,
      put: (record) => (task = record),
      serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: [registry('srv-a')] }),
      cloudMap: async () => cloudMap.asProvider(),
      logger: winston.createLogger({ silent: true }),
    });
    registrar.taskChanged(task);
    await registrar.idle();
    expect(heldAtCall).toEqual([['srv-a']]);
    expect(task.holdings?.cloudMap?.map((i) => i.instanceId)).toEqual(['0123456789abcdef0123456789abcdef']);

    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' };
    registrar.taskChanged(task);
    await registrar.idle();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(task.holdings).toBeUndefined();
    registrar.close();
  });

  test('after a restart, a stopped task of a deleted task set leaves the services its record holds, though its deployment names none', async () => {
    let task = running;
    let registries = [registry('srv-blue')]; // its task set's
    const cloudMap = new RecordingCloudMap();
    const start = () => {
      const state = openStateStore({ dir });
      const registrar = new ServiceRegistrar({
        get: () => task,
        put: (record) => (task = record),
        serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
        cloudMap: async () => cloudMap.asProvider(),
        logger: winston.createLogger({ silent: true }),
        leftBehind: state.table<LeftBehind>('ecs.cloud-map-left-behind'),
      });
      return { state, registrar };
    };
    const first = start();
    first.registrar.taskChanged(task);
    await first.registrar.idle();
    expect(cloudMap.instancesIn('srv-blue')).toEqual(['0123456789abcdef0123456789abcdef']);
    first.registrar.close();
    first.state.close();

    // While the gateway was down the task stopped and its task set went: it registers nowhere now.
    registries = [];
    task = { ...task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' };
    const second = start();
    second.registrar.resume();
    second.registrar.taskChanged(task);
    await second.registrar.idle();
    expect(cloudMap.instancesIn('srv-blue')).toEqual([]);
    expect(task.holdings).toBeUndefined();
    second.registrar.close();
    second.state.close();
  });
});
