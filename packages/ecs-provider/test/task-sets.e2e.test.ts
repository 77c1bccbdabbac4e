import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
  type ECSClient,
  type Task,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { awsEcs, findAwsCli, requireCliInCi } from './aws-cli';
import { errorOf } from './ecs-test-client';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

const schedulerEnv = {
  ECS_SCHEDULER_INTERVAL_MS: '200',
  ECS_SCHEDULER_BACKOFF_BASE_MS: '200',
  ECS_SCHEDULER_BACKOFF_MAX_MS: '1000',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await sleep(200);
  }
  throw new Error(`${what} not reached; last seen: ${JSON.stringify(last, null, 2)}`);
}

const cli = findAwsCli();

describeWithEngine('ECS task sets (EXTERNAL and CODE_DEPLOY services) on real Docker', () => {
  let bed: EcsTestBed;
  let ecs: ECSClient;
  const cluster = 'sets';

  beforeAll(async () => {
    bed = await startEcsTestBed(schedulerEnv);
    ecs = bed.ecs;
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const family of ['blue', 'green']) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({ family, containerDefinitions: [shellContainer('app', 'sleep 3600')] }),
      );
    }
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const taskSets = async (service: string, ids?: string[]): Promise<TaskSet[]> =>
    (await ecs.send(new DescribeTaskSetsCommand({ cluster, service, taskSets: ids }))).taskSets ?? [];
  const taskSetTasks = async (taskSet: TaskSet): Promise<Task[]> => {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, startedBy: taskSet.id }));
    if (!taskArns?.length) return [];
    return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
  };
  const steady = (set: TaskSet | undefined, count: number) =>
    set?.stabilityStatus === 'STEADY_STATE' && set.runningCount === count && set.computedDesiredCount === count;
  /** The task set's RUNNING tasks are real containers that the engine runs. */
  const expectRealContainers = async (taskSet: TaskSet, count: number) => {
    const running = (await taskSetTasks(taskSet)).filter((t) => t.lastStatus === 'RUNNING');
    expect(running).toHaveLength(count);
    const engine = await bed.docker.listContainers({ labels: { 'localcloud.ecs.managed': bed.prefix } });
    const ids = new Set(engine.map((c) => c.id));
    for (const task of running) expect(ids.has(task.containers![0]!.runtimeId!)).toBe(true);
  };

  it('runs two task sets of an EXTERNAL service, scales one, switches the primary and deletes the other', async () => {
    const { service } = await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'ext',
        desiredCount: 2,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    expect(service).toMatchObject({ deploymentController: { type: 'EXTERNAL' }, taskSets: [], deployments: [] });

    const blue = (
      await ecs.send(
        new CreateTaskSetCommand({
          cluster,
          service: 'ext',
          taskDefinition: 'blue',
          externalId: 'blue-1',
          scale: { value: 100, unit: 'PERCENT' },
        }),
      )
    ).taskSet!;
    expect(blue).toMatchObject({
      status: 'ACTIVE',
      externalId: 'blue-1',
      computedDesiredCount: 2,
      stabilityStatus: 'STABILIZING',
      scale: { value: 100, unit: 'PERCENT' },
      taskSetArn: `arn:aws:ecs:us-east-1:000000000000:task-set/${cluster}/ext/${blue.id}`,
    });
    expect(blue.id).toMatch(/^ecs-svc\/\d{19}$/);
    // Without a scale, a task set runs nothing (0 %), as ECS shows it.
    const green = (await ecs.send(new CreateTaskSetCommand({ cluster, service: 'ext', taskDefinition: 'green' })))
      .taskSet!;
    expect(green).toMatchObject({ scale: { value: 0, unit: 'PERCENT' }, computedDesiredCount: 0 });

    const [blueSteady] = await waitFor(
      'blue steady',
      () => taskSets('ext', [blue.taskSetArn!]),
      ([s]) => steady(s, 2),
    );
    expect(blueSteady!.stabilityStatusAt).toBeInstanceOf(Date);
    await expectRealContainers(blue, 2);
    expect(
      await waitFor(
        'green steady at 0',
        () => taskSets('ext', [green.id!]),
        ([s]) => steady(s, 0),
      ),
    ).toHaveLength(1);

    // Scale green to half of the desired count: one task of its own definition.
    const scaled = await ecs.send(
      new UpdateTaskSetCommand({ cluster, service: 'ext', taskSet: green.id!, scale: { value: 50, unit: 'PERCENT' } }),
    );
    expect(scaled.taskSet).toMatchObject({ computedDesiredCount: 1, scale: { value: 50 } });
    await waitFor(
      'green steady at 1',
      () => taskSets('ext', [green.id!]),
      ([s]) => steady(s, 1),
    );
    await expectRealContainers(green, 1);
    expect((await taskSetTasks(green))[0]!.taskDefinitionArn).toMatch(/task-definition\/green:1$/);
    const both = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['ext'] }))).services![0]!;
    expect(both.runningCount).toBe(3);
    expect(both.taskSets).toHaveLength(2);

    // Green becomes the primary: the service shows its task definition.
    const primary = await ecs.send(
      new UpdateServicePrimaryTaskSetCommand({ cluster, service: 'ext', primaryTaskSet: green.taskSetArn! }),
    );
    expect(primary.taskSet).toMatchObject({ id: green.id, status: 'PRIMARY' });
    const switched = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['ext'] }))).services![0]!;
    expect(switched.taskDefinition).toMatch(/task-definition\/green:1$/);
    expect(switched.taskSets!.find((s) => s.id === blue.id)!.status).toBe('ACTIVE');

    // Blue still runs 2 tasks: deleting it needs force (or a scale of 0 first).
    expect(
      await errorOf(ecs.send(new DeleteTaskSetCommand({ cluster, service: 'ext', taskSet: blue.id! }))),
    ).toMatchObject({
      name: 'InvalidParameterException',
    });
    const deleted = await ecs.send(
      new DeleteTaskSetCommand({ cluster, service: 'ext', taskSet: blue.id!, force: true }),
    );
    expect(deleted.taskSet).toMatchObject({ status: 'DRAINING', computedDesiredCount: 0 });
    await waitFor(
      'blue gone',
      () => taskSets('ext'),
      (sets) => sets.length === 1 && sets[0]!.id === green.id,
    );
    expect((await taskSetTasks(blue)).every((t) => t.lastStatus === 'STOPPED')).toBe(true);
    expect(
      await errorOf(
        ecs.send(new UpdateTaskSetCommand({ cluster, service: 'ext', taskSet: blue.id!, scale: { value: 1 } })),
      ),
    ).toMatchObject({ name: 'TaskSetNotFoundException' });

    // A new task definition is a new task set, never an UpdateService deployment.
    expect(
      await errorOf(ecs.send(new UpdateServiceCommand({ cluster, service: 'ext', taskDefinition: 'blue' }))),
    ).toMatchObject({ name: 'InvalidParameterException' });
    // Scaling the service scales every task set by its percent.
    await ecs.send(new UpdateServiceCommand({ cluster, service: 'ext', desiredCount: 4 }));
    await waitFor(
      'green at 2',
      () => taskSets('ext', [green.id!]),
      ([s]) => steady(s, 2),
    );
  });

  it('gives a CODE_DEPLOY service its first task set, PRIMARY at 100 %, and lets task sets be managed by hand', async () => {
    const { service } = await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'cd',
        taskDefinition: 'blue',
        desiredCount: 1,
        deploymentController: { type: 'CODE_DEPLOY' },
      }),
    );
    expect(service!.deployments).toEqual([]);
    expect(service!.taskSets).toHaveLength(1);
    const first = service!.taskSets![0]!;
    expect(first).toMatchObject({ status: 'PRIMARY', startedBy: 'CodeDeploy', scale: { value: 100, unit: 'PERCENT' } });
    await waitFor(
      'first task set steady',
      () => taskSets('cd'),
      ([s]) => steady(s, 1),
    );
    await expectRealContainers(first, 1);
    expect(
      await errorOf(ecs.send(new UpdateServiceCommand({ cluster, service: 'cd', taskDefinition: 'green' }))),
    ).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('CodeDeploy') });
    // What CodeDeploy would do: a replacement task set.
    const replacement = await ecs.send(
      new CreateTaskSetCommand({
        cluster,
        service: 'cd',
        taskDefinition: 'green',
        scale: { value: 100, unit: 'PERCENT' },
      }),
    );
    await waitFor(
      'replacement steady',
      () => taskSets('cd', [replacement.taskSet!.id!]),
      ([s]) => steady(s, 1),
    );
  });

  it('refuses task sets on a service of the ECS deployment controller', async () => {
    await ecs.send(
      new CreateServiceCommand({ cluster, serviceName: 'plain', taskDefinition: 'blue', desiredCount: 0 }),
    );
    expect(
      await errorOf(ecs.send(new CreateTaskSetCommand({ cluster, service: 'plain', taskDefinition: 'blue' }))),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message:
        'Amazon ECS only supports task set management on services configured to use external deployment controller.',
    });
    expect(await errorOf(ecs.send(new DescribeTaskSetsCommand({ cluster, service: 'nope' })))).toMatchObject({
      name: 'ServiceNotFoundException',
    });
  });

  requireCliInCi(cli);
  (cli ? it : it.skip)('answers the AWS CLI: create-task-set, describe-task-sets', async () => {
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'cli',
        desiredCount: 1,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const created = await awsEcs(cli!, bed.gw.url, [
      'create-task-set',
      '--cluster',
      cluster,
      '--service',
      'cli',
      '--task-definition',
      'blue',
      '--scale',
      'value=100,unit=PERCENT',
    ]);
    expect(created.stderr).toBe('');
    const taskSet = (JSON.parse(created.stdout) as { taskSet: TaskSet }).taskSet;
    expect(taskSet).toMatchObject({ status: 'ACTIVE', computedDesiredCount: 1 });
    const described = await awsEcs(cli!, bed.gw.url, ['describe-task-sets', '--cluster', cluster, '--service', 'cli']);
    expect((JSON.parse(described.stdout) as { taskSets: TaskSet[] }).taskSets.map((s) => s.id)).toEqual([taskSet.id]);
    const primary = await awsEcs(cli!, bed.gw.url, [
      'update-service-primary-task-set',
      '--cluster',
      cluster,
      '--service',
      'cli',
      '--primary-task-set',
      taskSet.id!,
    ]);
    expect(JSON.parse(primary.stdout)).toMatchObject({ taskSet: { status: 'PRIMARY' } });
  });
});
