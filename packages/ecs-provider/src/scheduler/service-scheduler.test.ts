import type { ContainerDefinition, CreateServiceRequest, Task } from '@aws-sdk/client-ecs';
import { createService, updateService } from '../handlers/services';
import { registerTaskDefinition } from '../handlers/task-definitions';
import { IGNORES_SIGTERM, InMemoryEcs, container } from '../testing/in-memory-ecs';
import { ServicePass } from './service-pass';

const BACKOFF = { intervalMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 8000 };

/** Wanted and not yet STOPPED: what maximumPercent bounds. */
const live = (tasks: Task[]) => tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED');
/** RUNNING and still wanted: what minimumHealthyPercent keeps up (no health checks here). */
const running = (tasks: Task[]) => live(tasks).filter((t) => t.lastStatus === 'RUNNING');

/**
 * The service scheduler driven pass by pass on the in-memory backend, with jest's fake clock: what
 * services.e2e.test.ts shows on real Docker, here with every intermediate step looked at.
 */
describe('ServiceScheduler', () => {
  let bed: InMemoryEcs;
  beforeEach(async () => {
    // The clock is fake; setImmediate stays real so queued work can run between steps.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    bed = await new InMemoryEcs(BACKOFF).start();
  });
  afterEach(async () => {
    let closed = false;
    const closing = bed.close().finally(() => (closed = true));
    // A stop still waiting out a stop timeout (after a failed expectation) needs the clock to move.
    while (!closed) {
      jest.advanceTimersByTime(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closing;
    jest.useRealTimers();
  });

  const register = (family: string, extra: Partial<ContainerDefinition> = {}) =>
    registerTaskDefinition({ family, containerDefinitions: [container(extra)] }, bed.ecs).taskDefinition!;

  /** A service whose first deployment has COMPLETED. */
  async function stableService(input: Partial<CreateServiceRequest> & { serviceName: string; desiredCount: number }) {
    createService({ taskDefinition: input.serviceName, ...input }, bed.ecs);
    await bed.pass();
    await bed.pass();
    const service = bed.service(input.serviceName);
    expect(service.deployments).toMatchObject([{ rolloutState: 'COMPLETED' }]);
    expect(service.runningCount).toBe(input.desiredCount);
    return service;
  }

  test('passes over a settled service again only once its record, tasks, service deployments or targets change', async () => {
    register('quiet');
    register('other');
    await stableService({ serviceName: 'quiet', desiredCount: 1 });
    await stableService({ serviceName: 'other', desiredCount: 1 });
    const opened = jest.spyOn(ServicePass, 'open');
    /** How many times the next scheduler pass looks at each service. */
    const nextPass = async () => {
      opened.mockClear();
      await bed.pass();
      const of = (name: string) => opened.mock.calls.filter(([, record]) => record.serviceName === name).length;
      return { quiet: of('quiet'), other: of('other') };
    };
    // The pass after the one that recorded steady state changes nothing: the next ones skip both.
    await bed.pass();
    expect(await nextPass()).toEqual({ quiet: 0, other: 0 });
    jest.advanceTimersByTime(60_000);
    expect(await nextPass()).toEqual({ quiet: 0, other: 0 });

    // Another service's task stops: only that service is looked at (and replaces it).
    const [otherTask] = live(bed.tasksOf('other'));
    bed.backend.exit(bed.runtimeId(otherTask!), 0);
    await bed.settle();
    expect(await nextPass()).toEqual({ quiet: 0, other: 1 });

    // Its own task changes.
    const [task] = live(bed.tasksOf('quiet'));
    bed.backend.exit(bed.runtimeId(task!), 0);
    await bed.settle();
    expect((await nextPass()).quiet).toBe(1);
    // Waiting for its start backoff is waiting for the clock: looked at on every pass until it starts.
    expect((await nextPass()).quiet).toBe(1);
    jest.advanceTimersByTime(1000);
    expect((await nextPass()).quiet).toBe(1);
    expect(running(bed.tasksOf('quiet'))).toHaveLength(1);
    await bed.pass();
    await bed.pass();
    expect((await nextPass()).quiet).toBe(0);

    // Its record changes.
    updateService({ service: 'quiet', desiredCount: 1, healthCheckGracePeriodSeconds: 5 }, bed.ecs);
    expect((await nextPass()).quiet).toBe(1);
    expect((await nextPass()).quiet).toBe(0);

    // A service deployment is written (StopServiceDeployment writes only that).
    const [key, deployment] = [...bed.ecs.store.serviceDeployments.entries()].find(([k]) =>
      k.startsWith('default/quiet/'),
    )!;
    bed.ecs.store.serviceDeployments.put(key, deployment);
    expect((await nextPass()).quiet).toBe(1);
    expect((await nextPass()).quiet).toBe(0);

    // A load balancer target's health changed: not in the store, so every service is looked at again.
    bed.failingTargetGroups.delete('none');
    expect(await nextPass()).toEqual({ quiet: 1, other: 1 });
    expect(await nextPass()).toEqual({ quiet: 0, other: 0 });
  });

  test('replaces a task whose essential container exited, after a backoff that doubles with each failure', async () => {
    register('web');
    await stableService({ serviceName: 'web', desiredCount: 1 });

    const failAndCountStarts = async (backoffMs: number) => {
      const [task] = live(bed.tasksOf('web'));
      bed.backend.exit(bed.runtimeId(task!), 1);
      await bed.settle();
      expect(bed.describe([task!.taskArn!])[0]).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
      });
      await bed.pass();
      expect(live(bed.tasksOf('web'))).toHaveLength(0);
      jest.advanceTimersByTime(backoffMs - 1);
      await bed.pass();
      expect(live(bed.tasksOf('web'))).toHaveLength(0);
      jest.advanceTimersByTime(1);
      await bed.pass();
      const replacement = running(bed.tasksOf('web'));
      expect(replacement).toHaveLength(1);
      expect(replacement[0]!.taskArn).not.toBe(task!.taskArn);
    };
    await failAndCountStarts(1000);
    // Failed again before the service was steady: twice the wait.
    await failAndCountStarts(2000);
    expect(bed.tasksOf('web').filter((t) => t.stopCode === 'EssentialContainerExited')).toHaveLength(2);
  });

  test('replaces a task failing its ELB health checks once healthCheckGracePeriodSeconds is over', async () => {
    register('lb');
    await stableService({ serviceName: 'lb', desiredCount: 1, healthCheckGracePeriodSeconds: 60 });
    const [task] = running(bed.tasksOf('lb'));
    const group = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/lb/0123456789abcdef';
    bed.failingTargetGroups.set(task!.taskArn!, group);
    // Within the grace period: kept.
    await bed.pass();
    expect(bed.describe([task!.taskArn!])[0]!.desiredStatus).toBe('RUNNING');
    jest.advanceTimersByTime(60_000);
    await bed.pass();
    await bed.settle();
    expect(bed.describe([task!.taskArn!])[0]).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: `Task failed ELB health checks in (target-group ${group})`,
    });
    expect(bed.service('lb').events!.map((e) => e.message)).toContain(
      `(service lb) (task ${task!.taskArn!.split('/').pop()}) failed ELB health checks in (target-group ${group}).`,
    );
    // Replaced after the failed-start backoff, as for a container health check failure.
    jest.advanceTimersByTime(1000);
    await bed.pass();
    const replacement = live(bed.tasksOf('lb'));
    expect(replacement).toHaveLength(1);
    expect(replacement[0]!.taskArn).not.toBe(task!.taskArn);
  });

  test('rolls a new revision out without going below minimumHealthyPercent or above maximumPercent', async () => {
    register('roll');
    // 4 tasks, at least 2 running, at most 6 wanted at any time.
    const before = await stableService({
      serviceName: 'roll',
      desiredCount: 4,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
    });
    const rev2 = register('roll', { command: ['serve', '--v2'] });
    updateService({ service: 'roll', taskDefinition: 'roll:2' }, bed.ecs);

    const samples: { running: number; live: number }[] = [];
    const sample = () => {
      const tasks = bed.tasksOf('roll');
      samples.push({ running: running(tasks).length, live: live(tasks).length });
    };
    for (let step = 0; step < 10 && bed.service('roll').deployments!.length > 1; step += 1) {
      bed.scheduler.pass();
      sample(); // right after the pass decided: stops asked for, launches not yet started
      await bed.settle();
      sample();
    }
    // The pass that finds the last old task STOPPED completes the deployment and drops the old one.
    expect(bed.service('roll').deployments).toMatchObject([
      { taskDefinition: rev2.taskDefinitionArn, rolloutState: 'COMPLETED', runningCount: 4 },
    ]);

    expect(Math.min(...samples.map((s) => s.running))).toBe(2);
    expect(Math.max(...samples.map((s) => s.live))).toBe(6);
    // More than one step: the bounds held the rollout back.
    expect(samples.length).toBeGreaterThan(2);
    const tasks = bed.tasksOf('roll');
    expect(running(tasks).map((t) => t.taskDefinitionArn)).toEqual(Array(4).fill(rev2.taskDefinitionArn));
    const old = tasks.filter((t) => t.startedBy === before.deployments![0]!.id);
    expect(old.map((t) => [t.lastStatus, t.stopCode])).toEqual(Array(4).fill(['STOPPED', 'ServiceSchedulerInitiated']));
  });

  test('the circuit breaker fails a deployment at its threshold and rolls back, listing the failed one beside it', async () => {
    const good = register('breaker');
    await stableService({
      serviceName: 'breaker',
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    register('breaker', { image: 'missing:1' });
    const failedId = updateService({ service: 'breaker', taskDefinition: 'breaker:2' }, bed.ecs).service!
      .deployments![0]!.id!;

    // Threshold for a desired count of 1: max(ceil(0.5 * 1), 3) = 3 failed tasks.
    const failedDeployment = () => bed.service('breaker').deployments!.find((d) => d.id === failedId)!;
    const seen: [number | undefined, string | undefined][] = [];
    for (let step = 0; step < 20 && failedDeployment().rolloutState !== 'FAILED'; step += 1) {
      jest.advanceTimersByTime(BACKOFF.backoffMaxMs);
      await bed.pass();
      seen.push([failedDeployment().failedTasks, failedDeployment().rolloutState]);
    }
    // Below the threshold the deployment keeps trying; the first pass that counts 3 fails it.
    expect(seen).toContainEqual([2, 'IN_PROGRESS']);
    expect(seen.filter(([failed, state]) => failed! < 3 && state !== 'IN_PROGRESS')).toEqual([]);
    expect(seen.filter(([, state]) => state === 'FAILED')).toEqual([[3, 'FAILED']]);
    expect(failedDeployment()).toMatchObject({
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      failedTasks: 3,
    });
    const failedTasks = bed.tasksOf('breaker').filter((t) => t.startedBy === failedId);
    expect(failedTasks.map((t) => t.stopCode)).toEqual(Array(3).fill('TaskFailedToStart'));
    expect(failedTasks[0]!.stoppedReason).toMatch(/^CannotPullContainerError: /);

    // Until the rollback completes, a client sees it as PRIMARY and the failed deployment beside it.
    let rollingBack = bed.service('breaker');
    const rollbackId = rollingBack.deployments![0]!.id!;
    for (let step = 0; step < 10 && rollingBack.deployments![0]!.rolloutState === 'IN_PROGRESS'; step += 1) {
      expect(rollingBack.taskDefinition).toBe(good.taskDefinitionArn);
      expect(rollingBack.deployments![0]).toMatchObject({
        status: 'PRIMARY',
        taskDefinition: good.taskDefinitionArn,
        rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${rollbackId}.`,
      });
      expect(rollingBack.deployments!.find((d) => d.id === failedId)).toMatchObject({ rolloutState: 'FAILED' });
      await bed.pass();
      rollingBack = bed.service('breaker');
    }
    expect(rollingBack.deployments).toMatchObject([{ id: rollbackId, rolloutState: 'COMPLETED', runningCount: 1 }]);
    expect(running(bed.tasksOf('breaker')).map((t) => t.startedBy)).toEqual([rollbackId]);
    // A FAILED deployment launches nothing more.
    expect(bed.tasksOf('breaker').filter((t) => t.startedBy === failedId)).toHaveLength(3);
  });

  test('keeps an old deployment listed while its task is STOPPING, and drops it once STOPPED', async () => {
    const stubborn = { dockerLabels: IGNORES_SIGTERM, stopTimeout: 10 };
    register('stubborn', stubborn);
    const before = await stableService({ serviceName: 'stubborn', desiredCount: 1 });
    const oldId = before.deployments![0]!.id!;
    const [oldTask] = bed.tasksOf('stubborn');
    register('stubborn', { ...stubborn, command: ['serve', '--v2'] });
    const newId = updateService({ service: 'stubborn', taskDefinition: 'stubborn:2' }, bed.ecs).service!
      .deployments![0]!.id!;

    await bed.pass(); // starts the new task
    bed.scheduler.pass(); // stops the old one, which ignores SIGTERM for its 10 s stop timeout
    await bed.until('the old task STOPPING', () => bed.describe([oldTask!.taskArn!])[0]!.lastStatus === 'STOPPING');
    const listedIds = () => bed.service('stubborn').deployments!.map((d) => [d.id, d.status, d.rolloutState]);
    jest.advanceTimersByTime(9999);
    bed.scheduler.pass();
    await bed.until('events delivered', () => true);
    expect(bed.describe([oldTask!.taskArn!])[0]).toMatchObject({ desiredStatus: 'STOPPED', lastStatus: 'STOPPING' });
    expect(listedIds()).toEqual([
      [newId, 'PRIMARY', 'IN_PROGRESS'],
      [oldId, 'ACTIVE', 'COMPLETED'],
    ]);

    jest.advanceTimersByTime(1); // SIGKILL
    await bed.settle();
    expect(bed.describe([oldTask!.taskArn!])[0]).toMatchObject({ lastStatus: 'STOPPED' });
    expect(bed.describe([oldTask!.taskArn!])[0]!.containers![0]!.exitCode).toBe(137);
    await bed.pass();
    expect(listedIds()).toEqual([[newId, 'PRIMARY', 'COMPLETED']]);
  });
});
