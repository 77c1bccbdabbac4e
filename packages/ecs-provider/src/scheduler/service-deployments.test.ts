import type { ContainerDefinition, CreateServiceRequest, ServiceDeployment } from '@aws-sdk/client-ecs';
import { createService, deleteService, updateService } from '../handlers/services';
import {
  continueServiceDeployment,
  describeServiceDeployments,
  describeServiceRevisions,
  listServiceDeployments,
  stopServiceDeployment,
} from '../handlers/service-deployments';
import { registerTaskDefinition } from '../handlers/task-definitions';
import { taskDeploymentSetting } from '../domain/task-deployment-setting';
import { InMemoryEcs, container } from '../testing/in-memory-ecs';

const BACKOFF = { intervalMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 8000 };
const ARN_PREFIX = 'arn:aws:ecs:us-east-1:000000000000';

/**
 * Service deployments and revisions as the scheduler moves them, pass by pass on the in-memory backend
 * with a fake clock (service-scheduler.test.ts shows the rollouts themselves).
 */
describe('service deployments', () => {
  let bed: InMemoryEcs;
  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    bed = await new InMemoryEcs(BACKOFF).start();
  });
  afterEach(async () => {
    let closed = false;
    const closing = bed.close().finally(() => (closed = true));
    while (!closed) {
      jest.advanceTimersByTime(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closing;
    jest.useRealTimers();
  });

  const register = (family: string, extra: Partial<ContainerDefinition> = {}) =>
    registerTaskDefinition({ family, containerDefinitions: [container(extra)] }, bed.ecs).taskDefinition!;
  const list = (service: string, extra: object = {}) =>
    listServiceDeployments({ cluster: 'default', service, ...extra }, bed.ecs);
  const describe1 = (arn: string): ServiceDeployment => {
    const { serviceDeployments, failures } = describeServiceDeployments({ serviceDeploymentArns: [arn] }, bed.ecs);
    expect(failures).toEqual([]);
    return serviceDeployments![0]!;
  };
  const revision = (arn: string) =>
    describeServiceRevisions({ serviceRevisionArns: [arn] }, bed.ecs).serviceRevisions![0]!;
  /** Passes until the service deployment's status is one of `statuses`; the statuses seen on the way. */
  async function passUntil(arn: string, statuses: string[], advanceMs = 0): Promise<string[]> {
    const seen = [describe1(arn).status!];
    for (let step = 0; step < 30 && !statuses.includes(describe1(arn).status!); step += 1) {
      jest.advanceTimersByTime(advanceMs);
      await bed.pass();
      const status = describe1(arn).status!;
      if (seen[seen.length - 1] !== status) seen.push(status);
    }
    return seen;
  }
  async function stableService(input: Partial<CreateServiceRequest> & { serviceName: string; desiredCount: number }) {
    createService({ taskDefinition: input.serviceName, ...input }, bed.ecs);
    const [first] = list(input.serviceName).serviceDeployments!;
    await passUntil(first!.serviceDeploymentArn!, ['SUCCESSFUL']);
    return first!;
  }

  test('a new service is one service deployment, PENDING, IN_PROGRESS, then SUCCESSFUL with its counts kept', async () => {
    const definition = register('web');
    const created = createService({ serviceName: 'web', taskDefinition: 'web', desiredCount: 2 }, bed.ecs).service!;
    const deploymentId = created.deployments![0]!.id!;
    const digits = deploymentId.slice('ecs-svc/'.length);

    const { serviceDeployments, nextToken } = list('web');
    expect(nextToken).toBeUndefined();
    expect(serviceDeployments).toHaveLength(1);
    const brief = serviceDeployments![0]!;
    expect(brief.serviceDeploymentArn).toMatch(
      new RegExp(`^${ARN_PREFIX}:service-deployment/default/web/[A-Za-z0-9_-]{22}$`),
    );
    // The revision's id is the deployment's: how Terraform finds the service deployment of a deployment.
    expect(brief).toMatchObject({
      serviceArn: `${ARN_PREFIX}:service/default/web`,
      clusterArn: `${ARN_PREFIX}:cluster/default`,
      targetServiceRevisionArn: `${ARN_PREFIX}:service-revision/default/web/${digits}`,
      status: 'PENDING',
    });
    expect(brief.createdAt).toEqual(created.deployments![0]!.createdAt);

    const seen = await passUntil(brief.serviceDeploymentArn!, ['SUCCESSFUL']);
    expect(seen).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESSFUL']);
    expect(bed.service('web').deployments).toMatchObject([{ id: deploymentId, rolloutState: 'COMPLETED' }]);
    const done = describe1(brief.serviceDeploymentArn!);
    expect(done).toMatchObject({
      status: 'SUCCESSFUL',
      sourceServiceRevisions: [],
      targetServiceRevision: {
        arn: brief.targetServiceRevisionArn,
        requestedTaskCount: 2,
        runningTaskCount: 2,
        pendingTaskCount: 0,
      },
      deploymentCircuitBreaker: { status: 'DISABLED' },
    });
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    expect(done).not.toHaveProperty('local');
    expect(revision(brief.targetServiceRevisionArn!)).toMatchObject({
      serviceRevisionArn: brief.targetServiceRevisionArn,
      serviceArn: `${ARN_PREFIX}:service/default/web`,
      taskDefinition: definition.taskDefinitionArn,
      launchType: 'EC2',
      containerImages: [{ containerName: 'app', image: 'app:1' }],
    });

    // A finished service deployment keeps the counts it finished with.
    updateService({ service: 'web', desiredCount: 0 }, bed.ecs);
    for (let step = 0; step < 5; step += 1) await bed.pass();
    expect(bed.service('web').runningCount).toBe(0);
    expect(describe1(brief.serviceDeploymentArn!).targetServiceRevision).toMatchObject({ runningTaskCount: 2 });
    // Scaling is no new deployment.
    expect(list('web').serviceDeployments).toHaveLength(1);
  });

  test('an update is a new service deployment from the old revision, which stays as it was', async () => {
    const v1 = register('app');
    const first = await stableService({ serviceName: 'app', desiredCount: 1 });
    const before = revision(first.targetServiceRevisionArn!);
    const v2 = register('app', { command: ['serve', '--v2'] });
    updateService(
      {
        service: 'app',
        taskDefinition: 'app:2',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-12345678'] } },
      },
      bed.ecs,
    );
    const [second, older] = list('app').serviceDeployments!;
    expect(older!.serviceDeploymentArn).toBe(first.serviceDeploymentArn);
    expect(describe1(second!.serviceDeploymentArn!)).toMatchObject({
      status: 'PENDING',
      sourceServiceRevisions: [{ arn: first.targetServiceRevisionArn }],
    });
    await passUntil(second!.serviceDeploymentArn!, ['SUCCESSFUL']);

    expect(revision(first.targetServiceRevisionArn!)).toEqual(before);
    expect(before.taskDefinition).toBe(v1.taskDefinitionArn);
    expect(before.networkConfiguration).toBeUndefined();
    expect(revision(second!.targetServiceRevisionArn!)).toMatchObject({
      taskDefinition: v2.taskDefinitionArn,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-12345678'] } },
    });
    expect(describe1(first.serviceDeploymentArn!).status).toBe('SUCCESSFUL');
  });

  test('StopServiceDeployment rolls an update back to its source revision: ROLLBACK_REQUESTED to ROLLBACK_SUCCESSFUL', async () => {
    const v1 = register('roll');
    const first = await stableService({ serviceName: 'roll', desiredCount: 2 });
    register('roll', { command: ['serve', '--v2'] });
    const updateId = updateService({ service: 'roll', taskDefinition: 'roll:2' }, bed.ecs).service!.deployments![0]!
      .id!;
    const [update] = list('roll').serviceDeployments!;
    await bed.pass(); // the update starts its tasks
    expect(describe1(update!.serviceDeploymentArn!).status).toBe('IN_PROGRESS');

    expect(
      stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn, stopType: 'ROLLBACK' }, bed.ecs),
    ).toEqual({
      serviceDeploymentArn: update!.serviceDeploymentArn,
    });
    expect(describe1(update!.serviceDeploymentArn!).status).toBe('ROLLBACK_REQUESTED');
    // Asking again while it rolls back is no error.
    stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn }, bed.ecs);

    const seen = await passUntil(update!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);
    expect(seen).toEqual(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
    const service = bed.service('roll');
    expect(service.taskDefinition).toBe(v1.taskDefinitionArn);
    expect(service.deployments).toHaveLength(1);
    const rollbackId = service.deployments![0]!.id!;
    expect(rollbackId).not.toBe(updateId);
    const done = describe1(update!.serviceDeploymentArn!);
    expect(done.rollback).toMatchObject({
      serviceRevisionArn: `${ARN_PREFIX}:service-revision/default/roll/${rollbackId.slice('ecs-svc/'.length)}`,
    });
    expect(revision(done.rollback!.serviceRevisionArn!).taskDefinition).toBe(v1.taskDefinitionArn);
    expect(
      bed
        .tasksOf('roll')
        .filter((t) => t.lastStatus === 'RUNNING')
        .map((t) => t.startedBy),
    ).toEqual([rollbackId, rollbackId]);
    expect(service.events!.map((e) => e.message)).toContain(`(service roll) rolling back to deployment ${rollbackId}.`);
    // Finished: it can no longer be stopped; the first one never could be rolled back (no source).
    expect(() => stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn }, bed.ecs)).toThrow(
      expect.objectContaining({ code: 'ConflictException' }),
    );
    expect(() => stopServiceDeployment({ serviceDeploymentArn: first.serviceDeploymentArn }, bed.ecs)).toThrow(
      expect.objectContaining({ code: 'ConflictException' }),
    );
  });

  test('a requested rollback starts at once, though failed starts of the update had pushed starts back', async () => {
    const v1 = register('early');
    await stableService({ serviceName: 'early', desiredCount: 1 });
    register('early', { image: 'missing:1' });
    updateService({ service: 'early', taskDefinition: 'early:2' }, bed.ecs);
    // Failed starts push the next start back (1 s, 2 s, ...): the rollback must not wait for that.
    await bed.pass();
    jest.advanceTimersByTime(1000);
    await bed.pass();
    const [update] = list('early').serviceDeployments!;
    expect(describe1(update!.serviceDeploymentArn!).status).toBe('IN_PROGRESS');
    stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn }, bed.ecs);
    await bed.pass();
    const service = bed.service('early');
    expect(service.taskDefinition).toBe(v1.taskDefinitionArn);
    expect(service.deployments![0]).toMatchObject({ status: 'PRIMARY', taskDefinition: v1.taskDefinitionArn });
    // The rollback's task was started by that same pass, with no time passing.
    const rollbackTasks = bed.tasksOf('early').filter((t) => t.startedBy === service.deployments![0]!.id);
    expect(rollbackTasks).toHaveLength(1);
    expect(describe1(update!.serviceDeploymentArn!).status).toBe('ROLLBACK_IN_PROGRESS');
    expect(await passUntil(update!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])).toEqual([
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL',
    ]);
  });

  test('StopServiceDeployment on a PENDING service deployment rolls back too', async () => {
    const v1 = register('pend');
    await stableService({ serviceName: 'pend', desiredCount: 1 });
    register('pend', { command: ['serve', '--v2'] });
    updateService({ service: 'pend', taskDefinition: 'pend:2' }, bed.ecs);
    const [update] = list('pend').serviceDeployments!;
    expect(update!.status).toBe('PENDING');
    stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn }, bed.ecs);
    expect(await passUntil(update!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])).toEqual([
      'ROLLBACK_REQUESTED',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL',
    ]);
    expect(
      bed
        .tasksOf('pend')
        .filter((t) => t.lastStatus === 'RUNNING')
        .map((t) => t.taskDefinitionArn),
    ).toEqual([v1.taskDefinitionArn]);
  });

  test('a circuit breaker rollback shows ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL, with the breaker TRIGGERED', async () => {
    register('breaker');
    await stableService({
      serviceName: 'breaker',
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    register('breaker', { image: 'missing:1' });
    updateService({ service: 'breaker', taskDefinition: 'breaker:2' }, bed.ecs);
    const [failing] = list('breaker').serviceDeployments!;
    expect(describe1(failing!.serviceDeploymentArn!).deploymentCircuitBreaker).toEqual({
      status: 'MONITORING',
      failureCount: 0,
      threshold: 3,
    });
    const seen = await passUntil(failing!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'], 8000);
    expect(seen).toEqual(['PENDING', 'IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
    expect(describe1(failing!.serviceDeploymentArn!)).toMatchObject({
      statusReason: 'Rolled back by deployment ' + bed.service('breaker').deployments![0]!.id + '.',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: { reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    });
    expect(
      list('breaker', { status: ['ROLLBACK_SUCCESSFUL'] }).serviceDeployments!.map((d) => d.serviceDeploymentArn),
    ).toEqual([failing!.serviceDeploymentArn]);
  });

  const TG = `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup`;
  const lb = (name: string) => [
    { targetGroupArn: `${TG}/${name}/0123456789abcdef`, containerName: 'app', containerPort: 80 },
  ];
  const registry = (id: string) => [{ registryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}` }];
  /** The load balancers a task of the service registers in (domain/task-deployment-setting.ts). */
  const balancersOf = (service: string, startedBy: string) =>
    taskDeploymentSetting(
      'loadBalancers',
      { startedBy, clusterArn: `${ARN_PREFIX}:cluster/default` },
      bed.ecs.store.services.get(`default/${service}`)!,
      (key) => bed.ecs.store.serviceRevisions.get(key),
    );

  test("a circuit breaker rollback restores the last completed deployment's load balancers and registries", async () => {
    const v1 = register('lbcb');
    await stableService({
      serviceName: 'lbcb',
      desiredCount: 1,
      loadBalancers: lb('old'),
      serviceRegistries: registry('srv-old'),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    register('lbcb', { image: 'missing:1' });
    updateService(
      { service: 'lbcb', taskDefinition: 'lbcb:2', loadBalancers: lb('new'), serviceRegistries: registry('srv-new') },
      bed.ecs,
    );
    expect(bed.service('lbcb').loadBalancers).toEqual(lb('new'));
    const [failing] = list('lbcb').serviceDeployments!;
    const seen = await passUntil(failing!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'], 8000);
    expect(seen).toEqual(['PENDING', 'IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);

    // DescribeServices shows the rolled-back-to configuration again, as ECS does.
    const service = bed.service('lbcb');
    expect(service.taskDefinition).toBe(v1.taskDefinitionArn);
    expect(service.loadBalancers).toEqual(lb('old'));
    expect(service.serviceRegistries).toEqual(registry('srv-old'));
    const rollbackId = service.deployments![0]!.id!;
    const done = describe1(failing!.serviceDeploymentArn!);
    expect(revision(done.rollback!.serviceRevisionArn!)).toMatchObject({
      taskDefinition: v1.taskDefinitionArn,
      loadBalancers: lb('old'),
      serviceRegistries: registry('srv-old'),
    });
    // The rollback's tasks register in the old target groups, not in those of the failed update.
    const running = bed.tasksOf('lbcb').filter((t) => t.lastStatus === 'RUNNING');
    expect(running.map((t) => t.startedBy)).toEqual([rollbackId]);
    expect(balancersOf('lbcb', rollbackId)).toEqual(lb('old'));
  });

  test("StopServiceDeployment's rollback restores the source revision's load balancers and registries", async () => {
    register('lbstop');
    await stableService({
      serviceName: 'lbstop',
      desiredCount: 1,
      loadBalancers: lb('old'),
      serviceRegistries: registry('srv-old'),
    });
    updateService({ service: 'lbstop', loadBalancers: lb('new'), serviceRegistries: registry('srv-new') }, bed.ecs);
    const [update] = list('lbstop').serviceDeployments!;
    stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn }, bed.ecs);
    expect(await passUntil(update!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])).toContain(
      'ROLLBACK_SUCCESSFUL',
    );
    const service = bed.service('lbstop');
    expect(service.loadBalancers).toEqual(lb('old'));
    expect(service.serviceRegistries).toEqual(registry('srv-old'));
    expect(balancersOf('lbstop', service.deployments![0]!.id!)).toEqual(lb('old'));
  });

  test('DescribeServiceRevisions never shows what a revision keeps for a rollback', async () => {
    register('hidden');
    const first = await stableService({ serviceName: 'hidden', desiredCount: 0 });
    const key = `default/hidden/${first.targetServiceRevisionArn!.split('/').pop()}`;
    const stored = bed.ecs.store.serviceRevisions.get(key)!;
    bed.ecs.store.serviceRevisions.put(key, { ...stored, local: { serviceConnectNamespaceName: 'hidden.local' } });
    expect(revision(first.targetServiceRevisionArn!)).not.toHaveProperty('local');
  });

  test('an UpdateService that only changes loadBalancers starts a new deployment; the same ones again do not', async () => {
    register('lbonly');
    const first = await stableService({ serviceName: 'lbonly', desiredCount: 1, loadBalancers: lb('old') });
    const oldId = bed.service('lbonly').deployments![0]!.id!;
    const updated = updateService({ service: 'lbonly', loadBalancers: lb('new') }, bed.ecs).service!;
    expect(updated.deployments).toMatchObject([
      { status: 'PRIMARY', rolloutState: 'IN_PROGRESS' },
      { id: oldId, status: 'ACTIVE' },
    ]);
    const newId = updated.deployments![0]!.id!;
    const [update] = list('lbonly').serviceDeployments!;
    expect(update!.serviceDeploymentArn).not.toBe(first.serviceDeploymentArn);
    expect(describe1(update!.serviceDeploymentArn!).sourceServiceRevisions).toMatchObject([
      { arn: first.targetServiceRevisionArn },
    ]);
    expect(revision(update!.targetServiceRevisionArn!).loadBalancers).toEqual(lb('new'));
    // The old deployment's task stays in the old group while the new one's registers in the new.
    expect(balancersOf('lbonly', oldId)).toEqual(lb('old'));
    expect(balancersOf('lbonly', newId)).toEqual(lb('new'));
    expect(await passUntil(update!.serviceDeploymentArn!, ['SUCCESSFUL'])).toContain('SUCCESSFUL');
    const running = bed.tasksOf('lbonly').filter((t) => t.lastStatus === 'RUNNING');
    expect(running.map((t) => t.startedBy)).toEqual([newId]);

    // Giving the same load balancers again is no change, so no deployment.
    const again = updateService({ service: 'lbonly', loadBalancers: lb('new') }, bed.ecs).service!;
    expect(again.deployments!.map((d) => d.id)).toEqual([newId]);
    expect(list('lbonly').serviceDeployments).toHaveLength(2);
  });

  /** The Cloud Map registries a task of the service registers in (domain/task-deployment-setting.ts). */
  const registriesOf = (service: string, startedBy: string) =>
    taskDeploymentSetting(
      'serviceRegistries',
      { startedBy, clusterArn: `${ARN_PREFIX}:cluster/default` },
      bed.ecs.store.services.get(`default/${service}`)!,
      (key) => bed.ecs.store.serviceRevisions.get(key),
    );

  test('an UpdateService that only changes serviceRegistries starts a new deployment; the same ones again do not', async () => {
    register('sdonly');
    const first = await stableService({
      serviceName: 'sdonly',
      desiredCount: 1,
      serviceRegistries: registry('srv-old'),
    });
    const oldId = bed.service('sdonly').deployments![0]!.id!;
    const updated = updateService({ service: 'sdonly', serviceRegistries: registry('srv-new') }, bed.ecs).service!;
    expect(updated.deployments).toMatchObject([
      { status: 'PRIMARY', rolloutState: 'IN_PROGRESS' },
      { id: oldId, status: 'ACTIVE' },
    ]);
    const newId = updated.deployments![0]!.id!;
    const [update] = list('sdonly').serviceDeployments!;
    expect(update!.serviceDeploymentArn).not.toBe(first.serviceDeploymentArn);
    expect(revision(update!.targetServiceRevisionArn!).serviceRegistries).toEqual(registry('srv-new'));
    // The old deployment's task stays in the old Cloud Map service while the new one's registers in the new.
    expect(registriesOf('sdonly', oldId)).toEqual(registry('srv-old'));
    expect(registriesOf('sdonly', newId)).toEqual(registry('srv-new'));
    expect(await passUntil(update!.serviceDeploymentArn!, ['SUCCESSFUL'])).toContain('SUCCESSFUL');
    const running = bed.tasksOf('sdonly').filter((t) => t.lastStatus === 'RUNNING');
    expect(running.map((t) => t.startedBy)).toEqual([newId]);

    // The same registries again are no change, so no deployment; removing them (an empty list) is one.
    const again = updateService({ service: 'sdonly', serviceRegistries: registry('srv-new') }, bed.ecs).service!;
    expect(again.deployments!.map((d) => d.id)).toEqual([newId]);
    const removed = updateService({ service: 'sdonly', serviceRegistries: [] }, bed.ecs).service!;
    expect(removed.deployments!.map((d) => d.id)).toEqual([expect.not.stringMatching(newId), newId]);
    expect(registriesOf('sdonly', removed.deployments![0]!.id!)).toEqual([]);
    expect(registriesOf('sdonly', newId)).toEqual(registry('srv-new'));
    expect(list('sdonly').serviceDeployments).toHaveLength(3);
  });

  test('a circuit breaker without rollback stops the service deployment (STOPPED, breaker TRIGGERED)', async () => {
    register('norb');
    await stableService({
      serviceName: 'norb',
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    });
    register('norb', { image: 'missing:1' });
    updateService({ service: 'norb', taskDefinition: 'norb:2' }, bed.ecs);
    const [failing] = list('norb').serviceDeployments!;
    const seen = await passUntil(failing!.serviceDeploymentArn!, ['STOPPED', 'ROLLBACK_SUCCESSFUL'], 8000);
    expect(seen).toEqual(['PENDING', 'IN_PROGRESS', 'STOPPED']);
    expect(describe1(failing!.serviceDeploymentArn!)).toMatchObject({
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3 },
    });
    expect(describe1(failing!.serviceDeploymentArn!).rollback).toBeUndefined();
  });

  test('a service stored before service deployments existed gets its old revision at its next update', async () => {
    const v1 = register('legacy');
    await stableService({ serviceName: 'legacy', desiredCount: 1 });
    // What an older gateway's state holds: the service and its deployment, no service deployment or revision.
    const store = bed.ecs.store;
    const stored = store.services.get('default/legacy')!;
    const { serviceDeployments: _ids, ...scheduler } = stored.scheduler!;
    store.services.put('default/legacy', { ...structuredClone(stored), scheduler });
    for (const [key] of [...store.serviceDeployments.entries()]) store.serviceDeployments.delete(key);
    for (const [key] of [...store.serviceRevisions.entries()]) store.serviceRevisions.delete(key);

    register('legacy', { command: ['serve', '--v2'] });
    updateService({ service: 'legacy', taskDefinition: 'legacy:2' }, bed.ecs);
    const [update] = list('legacy').serviceDeployments!;
    const source = describe1(update!.serviceDeploymentArn!).sourceServiceRevisions![0]!.arn!;
    expect(revision(source).taskDefinition).toBe(v1.taskDefinitionArn);
    stopServiceDeployment({ serviceDeploymentArn: update!.serviceDeploymentArn }, bed.ecs);
    expect(await passUntil(update!.serviceDeploymentArn!, ['ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])).toContain(
      'ROLLBACK_SUCCESSFUL',
    );
  });

  test('a newer update stops the one in progress; deleting the service stops its current one', async () => {
    register('busy');
    await stableService({ serviceName: 'busy', desiredCount: 1 });
    updateService({ service: 'busy', forceNewDeployment: true }, bed.ecs);
    const [superseded] = list('busy').serviceDeployments!;
    updateService({ service: 'busy', forceNewDeployment: true }, bed.ecs);
    expect(describe1(superseded!.serviceDeploymentArn!)).toMatchObject({
      status: 'STOPPED',
      statusReason: 'Superseded by a newer service deployment.',
    });
    const [latest] = list('busy').serviceDeployments!;
    deleteService({ service: 'busy', force: true }, bed.ecs);
    expect(describe1(latest!.serviceDeploymentArn!)).toMatchObject({
      status: 'STOPPED',
      statusReason: 'The service was deleted.',
    });
    expect(() => stopServiceDeployment({ serviceDeploymentArn: latest!.serviceDeploymentArn }, bed.ecs)).toThrow(
      expect.objectContaining({ code: 'ConflictException' }),
    );
  });

  test('lists newest first, by status and creation time, a page at a time', async () => {
    register('many');
    await stableService({ serviceName: 'many', desiredCount: 0 });
    for (let i = 0; i < 4; i += 1) {
      jest.advanceTimersByTime(1000);
      updateService({ service: 'many', forceNewDeployment: true }, bed.ecs);
    }
    const all = list('many').serviceDeployments!;
    expect(all).toHaveLength(5);
    const created = all.map((d) => d.createdAt!.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(all.map((d) => d.status)).toEqual(['PENDING', 'STOPPED', 'STOPPED', 'STOPPED', 'SUCCESSFUL']);

    const first = list('many', { maxResults: 2 });
    const second = list('many', { maxResults: 2, nextToken: first.nextToken });
    const third = list('many', { maxResults: 2, nextToken: second.nextToken });
    expect([...first.serviceDeployments!, ...second.serviceDeployments!, ...third.serviceDeployments!]).toEqual(all);
    expect(third.nextToken).toBeUndefined();

    expect(list('many', { status: ['STOPPED'] }).serviceDeployments).toHaveLength(3);
    // createdAt as AWS JSON sends it: epoch seconds.
    const after = (all[1]!.createdAt!.getTime() + 1) / 1000;
    expect(list('many', { createdAt: { after } }).serviceDeployments!.map((d) => d.serviceDeploymentArn)).toEqual([
      all[0]!.serviceDeploymentArn,
    ]);
    expect(() => list('many', { maxResults: 101 })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterException' }),
    );
    expect(() => list('nope')).toThrow(expect.objectContaining({ code: 'ServiceNotFoundException' }));
  });

  test('unknown ARNs: MISSING in describes, ServiceDeploymentNotFoundException to stop; no lifecycle hooks to continue', async () => {
    register('one');
    const first = await stableService({ serviceName: 'one', desiredCount: 0 });
    const unknown = `${ARN_PREFIX}:service-deployment/default/one/AAAAAAAAAAAAAAAAAAAAAA`;
    const otherAccount = first.serviceDeploymentArn!.replace('000000000000', '111111111111');
    expect(
      describeServiceDeployments(
        { serviceDeploymentArns: [unknown, otherAccount, first.serviceDeploymentArn!] },
        bed.ecs,
      ),
    ).toMatchObject({
      serviceDeployments: [{ serviceDeploymentArn: first.serviceDeploymentArn }],
      failures: [
        { arn: unknown, reason: 'MISSING' },
        { arn: otherAccount, reason: 'MISSING' },
      ],
    });
    expect(
      describeServiceRevisions({ serviceRevisionArns: [`${ARN_PREFIX}:service-revision/default/one/1`] }, bed.ecs),
    ).toEqual({
      serviceRevisions: [],
      failures: [{ arn: `${ARN_PREFIX}:service-revision/default/one/1`, reason: 'MISSING' }],
    });
    expect(() => stopServiceDeployment({ serviceDeploymentArn: unknown }, bed.ecs)).toThrow(
      expect.objectContaining({ code: 'ServiceDeploymentNotFoundException' }),
    );
    expect(() =>
      stopServiceDeployment({ serviceDeploymentArn: first.serviceDeploymentArn, stopType: 'ABORT' }, bed.ecs),
    ).toThrow(expect.objectContaining({ code: 'UnsupportedFeatureException' }));
    expect(() =>
      continueServiceDeployment({ serviceDeploymentArn: first.serviceDeploymentArn, hookId: 'h' }, bed.ecs),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
    expect(() => describeServiceDeployments({ serviceDeploymentArns: [] }, bed.ecs)).toThrow(
      expect.objectContaining({ code: 'InvalidParameterException' }),
    );
  });
});
