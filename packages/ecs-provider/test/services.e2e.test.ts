import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  waitUntilServicesInactive,
  waitUntilServicesStable,
  type ContainerDefinition,
  type CreateServiceCommandInput,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { TEST_IMAGE, removePrefixContainers, startEcsTestBed, type EcsTestBed } from './support';

/** Tight scheduler timings keep the suite quick; the defaults are for people, not tests. */
const schedulerEnv = {
  ECS_SCHEDULER_INTERVAL_MS: '200',
  ECS_SCHEDULER_BACKOFF_BASE_MS: '200',
  ECS_SCHEDULER_BACKOFF_MAX_MS: '1000',
};

const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'app',
  image: TEST_IMAGE,
  command: ['sh', '-c', 'sleep 3600'],
  memory: 32,
  // busybox sh as PID 1 ignores SIGTERM: keep the SIGKILL that follows short.
  stopTimeout: 1,
  ...extra,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waiter = (ecs: ECSClient) => ({ client: ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 });

async function describe1(ecs: ECSClient, cluster: string, service: string): Promise<Service> {
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return services![0]!;
}

async function serviceTasks(ecs: ECSClient, cluster: string, service: string): Promise<Task[]> {
  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName: service }));
  if (!taskArns?.length) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
}

async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await sleep(150);
  }
  throw new Error(`${what} not reached; last seen: ${JSON.stringify(last, null, 2)}`);
}

const stableService = (s: Service) =>
  s.deployments?.length === 1 && s.runningCount === s.desiredCount && s.pendingCount === 0;

describeWithEngine('ECS services on real Docker', () => {
  let bed: EcsTestBed;
  const cluster = 'svc';

  beforeAll(async () => {
    bed = await startEcsTestBed(schedulerEnv);
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const family of ['web', 'roll', 'breaker', 'gone']) {
      await bed.ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container()] }));
    }
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const create = (input: Partial<CreateServiceCommandInput> & { serviceName: string }) =>
    bed.ecs.send(new CreateServiceCommand({ cluster, desiredCount: 2, taskDefinition: input.serviceName, ...input }));

  it('reaches its desired count with tasks ECS would recognise, and says so in its events', async () => {
    const { service } = await create({
      serviceName: 'web',
      tags: [{ key: 'team', value: 'a' }],
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      loadBalancers: [
        {
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/t/1',
          containerName: 'app',
          containerPort: 80,
        },
      ],
    });
    expect(service).toMatchObject({
      serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/svc/web',
      serviceName: 'web',
      status: 'ACTIVE',
      desiredCount: 2,
      // A bridge definition: EC2 is the launch type that can run it.
      launchType: 'EC2',
      schedulingStrategy: 'REPLICA',
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
      loadBalancers: [{ containerName: 'app', containerPort: 80 }],
    });
    expect(service!.deployments).toHaveLength(1);
    expect(service!.deployments![0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' });
    expect(service!.deployments![0]!.id).toMatch(/^ecs-svc\/\d{19}$/);

    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['web'] });
    const stable = await describe1(bed.ecs, cluster, 'web');
    expect(stable).toMatchObject({ runningCount: 2, pendingCount: 0 });
    expect(stable.deployments![0]).toMatchObject({ rolloutState: 'COMPLETED', runningCount: 2, desiredCount: 2 });
    const tasks = await serviceTasks(bed.ecs, cluster, 'web');
    expect(tasks).toHaveLength(2);
    for (const task of tasks) {
      expect(task).toMatchObject({
        lastStatus: 'RUNNING',
        group: 'service:web',
        startedBy: stable.deployments![0]!.id,
      });
    }
    const tagged = await bed.ecs.send(
      new DescribeTasksCommand({ cluster, tasks: [tasks[0]!.taskArn!], include: ['TAGS'] }),
    );
    expect(tagged.tasks![0]!.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'a' },
        { key: 'aws:ecs:serviceName', value: 'web' },
        { key: 'aws:ecs:clusterName', value: cluster },
      ]),
    );
    const messages = stable.events!.map((e) => e.message);
    expect(messages[0]).toBe('(service web) has reached a steady state.');
    expect(messages).toContain(`(service web) (deployment ${stable.deployments![0]!.id}) deployment completed.`);
    expect(
      messages.some((m) =>
        /^\(service web\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(m!),
      ),
    ).toBe(true);

    const { tags } = await bed.ecs.send(new ListTagsForResourceCommand({ resourceArn: stable.serviceArn }));
    expect(tags).toEqual([{ key: 'team', value: 'a' }]);
    const { clusters } = await bed.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    expect(clusters![0]).toMatchObject({ activeServicesCount: 1 });
    const listed = await bed.ecs.send(new ListServicesCommand({ cluster }));
    expect(listed.serviceArns).toContain(stable.serviceArn);
  });

  it('replaces a task whose container was killed outside localcloud', async () => {
    const [victim] = await serviceTasks(bed.ecs, cluster, 'web');
    await bed.docker.killContainer(victim!.containers![0]!.runtimeId!);
    await waitFor(
      'a replacement task',
      () => serviceTasks(bed.ecs, cluster, 'web'),
      (tasks) =>
        tasks.length === 2 &&
        tasks.every((t) => t.lastStatus === 'RUNNING') &&
        !tasks.some((t) => t.taskArn === victim!.taskArn),
    );
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['web'] });
  });

  it('scales up and down', async () => {
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'web', desiredCount: 3 }));
    await waitFor(
      '3 running',
      () => describe1(bed.ecs, cluster, 'web'),
      (s) => s.runningCount === 3 && stableService(s),
    );
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'web', desiredCount: 1 }));
    const down = await waitFor(
      '1 running',
      () => describe1(bed.ecs, cluster, 'web'),
      (s) => s.runningCount === 1 && stableService(s),
    );
    expect(down.events!.some((e) => /^\(service web\) has stopped 2 running tasks: /.test(e.message!))).toBe(true);
    const running = await serviceTasks(bed.ecs, cluster, 'web');
    expect(running).toHaveLength(1);
  });

  it('waits for HEALTHY before calling a deployment complete, and replaces tasks that turn UNHEALTHY', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'checked',
        containerDefinitions: [
          container({
            command: ['sh', '-c', 'touch /tmp/ok; sleep 4; rm /tmp/ok; sleep 3600'],
            healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/ok'], interval: 1, timeout: 1, retries: 1 },
          }),
        ],
      }),
    );
    await create({ serviceName: 'checked', taskDefinition: 'checked', desiredCount: 1 });
    // RUNNING is enough for the waiter (it reads counts, as in ECS); COMPLETED waits for HEALTHY.
    await waitFor(
      'the deployment completed',
      () => describe1(bed.ecs, cluster, 'checked'),
      (s) => s.deployments![0]!.rolloutState === 'COMPLETED',
    );
    const [first] = await serviceTasks(bed.ecs, cluster, 'checked');
    expect(first).toMatchObject({ lastStatus: 'RUNNING', healthStatus: 'HEALTHY' });
    const replaced = await waitFor(
      'the unhealthy task replaced',
      () => describe1(bed.ecs, cluster, 'checked'),
      (s) =>
        s.events!.some(
          (e) =>
            e.message ===
            `(service checked) (task ${first!.taskArn!.split('/').pop()}) failed container health checks.`,
        ),
      15_000,
    );
    expect(replaced.status).toBe('ACTIVE');
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: [first!.taskArn!] }));
    expect(tasks![0]).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
    });
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'checked', force: true }));
  });

  it('rolls revision 1 to 2 without ever dropping below minimumHealthyPercent', async () => {
    await create({
      serviceName: 'roll',
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
    });
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['roll'] });
    const rev2 = (
      await bed.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'roll',
          containerDefinitions: [container({ command: ['sh', '-c', 'sleep 3601'] })],
        }),
      )
    ).taskDefinition!;
    const { service } = await bed.ecs.send(
      new UpdateServiceCommand({ cluster, service: 'roll', taskDefinition: 'roll:2' }),
    );
    expect(service!.deployments).toHaveLength(2);
    expect(service!.deployments!.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    let minRunning = Infinity;
    const done = await waitFor(
      'the rollout',
      async () => {
        const tasks = await serviceTasks(bed.ecs, cluster, 'roll');
        minRunning = Math.min(minRunning, tasks.filter((t) => t.lastStatus === 'RUNNING').length);
        return { tasks, service: await describe1(bed.ecs, cluster, 'roll') };
      },
      ({ tasks, service: s }) =>
        stableService(s) &&
        tasks.length === 2 &&
        tasks.every((t) => t.taskDefinitionArn === rev2.taskDefinitionArn && t.lastStatus === 'RUNNING'),
    );
    // 50 % of 2: at least one task RUNNING at every sample.
    expect(minRunning).toBeGreaterThanOrEqual(1);
    expect(done.service.taskDefinition).toBe(rev2.taskDefinitionArn);
    expect(done.service.deployments![0]).toMatchObject({
      rolloutState: 'COMPLETED',
      taskDefinition: rev2.taskDefinitionArn,
    });
  });

  it('shows a failed deployment beside its rollback to a client that polls, so a deploy script can tell', async () => {
    const { service: created } = await create({
      serviceName: 'breaker',
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['breaker'] });
    const bad = (
      await bed.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'breaker',
          containerDefinitions: [container({ image: 'localcloud-test/does-not-exist:1' })],
        }),
      )
    ).taskDefinition!;
    const { service: updated } = await bed.ecs.send(
      new UpdateServiceCommand({ cluster, service: 'breaker', taskDefinition: bad.taskDefinitionArn }),
    );
    const failedId = updated!.deployments![0]!.id!;

    // A client polling every 500 ms, as a deploy script would, until it sees the failure.
    const failing = await waitFor(
      'the failed deployment beside its rollback',
      async () => {
        await sleep(350); // plus waitFor's 150 ms: a poll every 500 ms
        return describe1(bed.ecs, cluster, 'breaker');
      },
      (s) => s.deployments!.some((d) => d.id === failedId && d.rolloutState === 'FAILED'),
      45_000,
    );
    const [rollback, failed] = failing.deployments!;
    // Threshold for a desired count of 2: max(ceil(0.5 * 2), 3) = 3.
    expect(failed).toMatchObject({
      id: failedId,
      status: 'ACTIVE',
      taskDefinition: bad.taskDefinitionArn,
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    });
    expect(failed!.failedTasks).toBeGreaterThanOrEqual(3);
    expect(rollback).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: created!.taskDefinition,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${rollback!.id}.`,
    });
    expect(failing.taskDefinition).toBe(created!.taskDefinition);

    // What a CI deploy script does next: wait for the service, then ask whether its update won.
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['breaker'] });
    const settled = await describe1(bed.ecs, cluster, 'breaker');
    expect(settled.deployments).toHaveLength(1);
    const primary = settled.deployments![0]!;
    expect(primary).toMatchObject({ id: rollback!.id, rolloutState: 'COMPLETED', runningCount: 2 });
    expect(primary.id).not.toBe(failedId);
    expect(primary.taskDefinition).toBe(created!.taskDefinition);
    const messages = settled.events!.map((e) => e.message);
    expect(messages).toContain(`(service breaker) (deployment ${failedId}) deployment failed: tasks failed to start.`);
    expect(messages).toContain(`(service breaker) rolling back to deployment ${rollback!.id}.`);
    expect(messages).toContain(`(service breaker) (deployment ${rollback!.id}) deployment completed.`);
    const tasks = await serviceTasks(bed.ecs, cluster, 'breaker');
    expect(tasks.map((t) => t.taskDefinitionArn)).toEqual([created!.taskDefinition, created!.taskDefinition]);
    const failedTasks = await bed.ecs.send(
      new ListTasksCommand({ cluster, startedBy: failedId, desiredStatus: 'STOPPED' }),
    );
    expect(failedTasks.taskArns!.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps an old deployment listed while its task is STOPPING, so the waiter waits for it', async () => {
    // PID 1 ignores SIGTERM: the old task stays up for its whole stop timeout before SIGKILL.
    const stubborn = (command: string) =>
      container({ command: ['sh', '-c', `trap "" TERM; ${command}`], stopTimeout: 10 });
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'stubborn', containerDefinitions: [stubborn('sleep 1000')] }),
    );
    await create({ serviceName: 'stubborn', desiredCount: 1 });
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['stubborn'] });
    const before = await describe1(bed.ecs, cluster, 'stubborn');
    const oldId = before.deployments![0]!.id!;
    const [oldTask] = await serviceTasks(bed.ecs, cluster, 'stubborn');
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'stubborn', containerDefinitions: [stubborn('sleep 1001')] }),
    );
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'stubborn', taskDefinition: 'stubborn:2' }));

    // The service is read before the task: if the task is not STOPPED yet, it was not at that read either.
    const stopping = await waitFor(
      'the old task told to stop',
      async () => {
        const service = await describe1(bed.ecs, cluster, 'stubborn');
        const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: [oldTask!.taskArn!] }));
        return { service, task: tasks![0]! };
      },
      ({ task }) => task.desiredStatus === 'STOPPED',
    );
    expect(stopping.task.lastStatus).not.toBe('STOPPED');
    expect(stopping.service.deployments!.map((d) => [d.id, d.status])).toContainEqual([oldId, 'ACTIVE']);

    // Stable only once the old task is really gone.
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['stubborn'] });
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: [oldTask!.taskArn!] }));
    expect(tasks![0]!.lastStatus).toBe('STOPPED');
    const after = await describe1(bed.ecs, cluster, 'stubborn');
    expect(after.deployments!.map((d) => d.id)).not.toContain(oldId);
    expect(after.deployments![0]).toMatchObject({ rolloutState: 'COMPLETED', runningCount: 1 });
  });

  it('deletes: refused while scaled up, then with force DRAINING → INACTIVE, still describable', async () => {
    await create({ serviceName: 'gone', desiredCount: 1 });
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['gone'] });
    await expect(bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'gone' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The service cannot be stopped while it is scaled above 0.',
    });
    const { service } = await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'gone', force: true }));
    expect(service).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
    expect((await bed.ecs.send(new ListServicesCommand({ cluster }))).serviceArns).not.toContain(service!.serviceArn);
    await expect(bed.ecs.send(new DeleteClusterCommand({ cluster }))).rejects.toMatchObject({
      name: 'ClusterContainsServicesException',
    });
    await waitUntilServicesInactive(waiter(bed.ecs), { cluster, services: ['gone'] });
    const inactive = await describe1(bed.ecs, cluster, 'gone');
    expect(inactive).toMatchObject({ status: 'INACTIVE', runningCount: 0 });
    expect(await serviceTasks(bed.ecs, cluster, 'gone')).toEqual([]);
    const listed = await bed.ecs.send(new ListServicesCommand({ cluster }));
    expect(listed.serviceArns).not.toContain(inactive.serviceArn);
    await expect(
      bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'gone', desiredCount: 1 })),
    ).rejects.toMatchObject({
      name: 'ServiceNotActiveException',
    });
  });

  it('runs one task for a DAEMON service: the local engine is the one container instance', async () => {
    const { service } = await create({
      serviceName: 'daemon',
      taskDefinition: 'web',
      schedulingStrategy: 'DAEMON',
      desiredCount: undefined,
    });
    expect(service).toMatchObject({ schedulingStrategy: 'DAEMON', launchType: 'EC2', desiredCount: 1 });
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['daemon'] });
    expect(await serviceTasks(bed.ecs, cluster, 'daemon')).toHaveLength(1);
    const listed = await bed.ecs.send(new ListServicesCommand({ cluster, schedulingStrategy: 'DAEMON' }));
    expect(listed.serviceArns).toEqual([service!.serviceArn]);
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'daemon' }));
    await waitUntilServicesInactive(waiter(bed.ecs), { cluster, services: ['daemon'] });
  });

  it('answers ECS errors: unknown services, DAEMON on Fargate, duplicates, MISSING failures', async () => {
    await expect(
      bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'nope', desiredCount: 1 })),
    ).rejects.toMatchObject({
      name: 'ServiceNotFoundException',
      message: 'Service not found.',
    });
    await expect(
      create({
        serviceName: 'daemon',
        taskDefinition: 'web',
        schedulingStrategy: 'DAEMON',
        launchType: 'FARGATE',
        desiredCount: undefined,
      }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The daemon scheduling strategy does not support the FARGATE launch type.',
    });
    await expect(create({ serviceName: 'web', taskDefinition: 'web' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Creation of service was not idempotent.',
    });
    await expect(create({ serviceName: 'uncounted', desiredCount: undefined })).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(create({ serviceName: 'unknown', taskDefinition: 'no-such-family' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'TaskDefinition not found.',
    });
    await expect(
      create({ serviceName: 'both', launchType: 'EC2', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] }),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const { services, failures } = await bed.ecs.send(
      new DescribeServicesCommand({ cluster, services: ['web', 'nope'] }),
    );
    expect(services!.map((s) => s.serviceName)).toEqual(['web']);
    expect(failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:000000000000:service/svc/nope', reason: 'MISSING' }]);
    const page = await bed.ecs.send(new ListServicesCommand({ cluster, maxResults: 1 }));
    expect(page.serviceArns).toHaveLength(1);
    expect(page.nextToken).toBeDefined();
  });
});

describeWithEngine('ECS services across a gateway restart (PERSISTENCE=1)', () => {
  let dataDir: string;
  const prefix = `lcsvc${Date.now().toString(36)}`;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-services-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('resumes a service from the containers it finds, without starting duplicates', async () => {
    const env = { ...schedulerEnv, PERSISTENCE: '1', DATA_DIR: dataDir };
    const first = await startEcsTestBed(env, prefix);
    let second: EcsTestBed | undefined;
    try {
      await first.ecs.send(new RegisterTaskDefinitionCommand({ family: 'kept', containerDefinitions: [container()] }));
      await first.ecs.send(new CreateServiceCommand({ serviceName: 'kept', taskDefinition: 'kept', desiredCount: 2 }));
      await waitUntilServicesStable(waiter(first.ecs), { services: ['kept'] });
      const before = (await serviceTasks(first.ecs, 'default', 'kept')).map((t) => t.taskArn).sort();
      await first.close();

      second = await startEcsTestBed(env, prefix);
      // Give the scheduler several passes to (wrongly) start anything.
      await sleep(1500);
      const after = await serviceTasks(second.ecs, 'default', 'kept');
      expect(after.map((t) => t.taskArn).sort()).toEqual(before);
      expect(after.every((t) => t.lastStatus === 'RUNNING')).toBe(true);
      const containers = await second.docker.listContainers({ labels: { 'localcloud.ecs.managed': prefix } });
      expect(containers).toHaveLength(2);
      expect(await describe1(second.ecs, 'default', 'kept')).toMatchObject({ runningCount: 2, desiredCount: 2 });
      // And it still does its job: a killed task is replaced by the new gateway.
      await second.docker.killContainer(after[0]!.containers![0]!.runtimeId!);
      await waitFor(
        'a replacement after the restart',
        () => serviceTasks(second!.ecs, 'default', 'kept'),
        (tasks) =>
          tasks.length === 2 &&
          tasks.every((t) => t.lastStatus === 'RUNNING') &&
          !tasks.some((t) => t.taskArn === after[0]!.taskArn),
      );
    } finally {
      await second?.close();
      await removePrefixContainers(first.docker, prefix);
    }
  });
});
