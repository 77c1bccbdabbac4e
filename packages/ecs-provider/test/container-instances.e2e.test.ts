import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteAttributesCommand,
  DeleteClusterCommand,
  DeregisterContainerInstanceCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListAttributesCommand,
  ListContainerInstancesCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  PutAttributesCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StartTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
  type ContainerInstance,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { errorOf } from './ecs-test-client';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  shellContainer,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
} from './support';

const resource = (instance: ContainerInstance, list: 'registeredResources' | 'remainingResources', name: string) =>
  instance[list]?.find((r) => r.name === name)?.integerValue;

async function describeInstance(ecs: ECSClient, cluster: string, arn: string): Promise<ContainerInstance> {
  const { containerInstances } = await ecs.send(
    new DescribeContainerInstancesCommand({ cluster, containerInstances: [arn] }),
  );
  return containerInstances![0]!;
}

async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${what} not reached; last seen: ${JSON.stringify(last, null, 2)}`);
}

const identity = (instanceId: string, availabilityZone: string) =>
  JSON.stringify({ instanceId, availabilityZone, instanceType: 't3.micro', region: 'us-east-1' });

describeWithEngine('container instances: the local engine as capacity you can see', () => {
  let bed: EcsTestBed;

  beforeAll(async () => {
    bed = await startEcsTestBed({ ECS_SCHEDULER_INTERVAL_MS: '200' });
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'ci-sleep',
        containerDefinitions: [shellContainer('app', 'sleep 3600', { cpu: 128, memory: 64, stopTimeout: 1 })],
      }),
    );
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const run = (cluster: string, extra: Partial<ConstructorParameters<typeof RunTaskCommand>[0]> = {}) =>
    bed.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'ci-sleep', launchType: 'EC2', ...extra }));
  const stopAll = async (cluster: string, arns: string[]) => {
    for (const task of arns) await bed.ecs.send(new StopTaskCommand({ cluster, task }));
    for (const task of arns) await waitForTask(bed.ecs, task, isStopped, { cluster });
  };

  it("shows the engine as the cluster's container instance, with docker info's CPU and memory less what tasks reserve", async () => {
    const cluster = 'ci-local';
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const { containerInstanceArns } = await bed.ecs.send(new ListContainerInstancesCommand({ cluster }));
    expect(containerInstanceArns).toHaveLength(1);
    const arn = containerInstanceArns![0]!;
    expect(arn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:container-instance\/ci-local\/[0-9a-f]{32}$/);

    const engine = await bed.docker.engineInfo();
    const idle = await describeInstance(bed.ecs, cluster, arn);
    expect(idle).toMatchObject({
      containerInstanceArn: arn,
      status: 'ACTIVE',
      agentConnected: true,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      versionInfo: { dockerVersion: `DockerVersion: ${engine.serverVersion}` },
    });
    expect(resource(idle, 'registeredResources', 'CPU')).toBe(engine.cpus * 1024);
    expect(resource(idle, 'registeredResources', 'MEMORY')).toBe(Math.floor(engine.memoryBytes / 1024 ** 2));
    expect(resource(idle, 'remainingResources', 'MEMORY')).toBe(resource(idle, 'registeredResources', 'MEMORY'));
    expect(idle.attributes).toEqual(expect.arrayContaining([{ name: 'ecs.os-type', value: 'linux' }]));
    const { clusters } = await bed.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    expect(clusters![0]!.registeredContainerInstancesCount).toBe(1);

    const task = (await run(cluster)).tasks![0]!;
    expect(task.containerInstanceArn).toBe(arn);
    await waitForTask(bed.ecs, task.taskArn!, isRunning, { cluster });
    const busy = await describeInstance(bed.ecs, cluster, arn);
    expect(busy.runningTasksCount).toBe(1);
    expect(resource(busy, 'remainingResources', 'CPU')).toBe(engine.cpus * 1024 - 128);
    expect(resource(busy, 'remainingResources', 'MEMORY')).toBe(resource(idle, 'registeredResources', 'MEMORY')! - 64);
    const listed = await bed.ecs.send(new ListTasksCommand({ cluster, containerInstance: arn }));
    expect(listed.taskArns).toEqual([task.taskArn]);
    // StartTask puts a task on the instances it names, and only on instances of the cluster.
    const started = await bed.ecs.send(
      new StartTaskCommand({
        cluster,
        taskDefinition: 'ci-sleep',
        containerInstances: [arn.split('/').pop()!, 'ffffffffffffffffffffffffffffffff'],
      }),
    );
    expect(started.tasks!.map((t) => t.containerInstanceArn)).toEqual([arn]);
    expect(started.failures).toEqual([{ arn: 'ffffffffffffffffffffffffffffffff', reason: 'MISSING' }]);
    await stopAll(cluster, [task.taskArn!, started.tasks![0]!.taskArn!]);
    expect((await describeInstance(bed.ecs, cluster, arn)).runningTasksCount).toBe(0);
  });

  it('places tasks by memberOf and distinctInstance over the local and a registered instance, with attributes', async () => {
    const cluster = 'ci-place';
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const [local] = (await bed.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns!;
    const { containerInstance: registered } = await bed.ecs.send(
      new RegisterContainerInstanceCommand({
        cluster,
        instanceIdentityDocument: identity('i-0123456789abcdef0', 'us-east-1b'),
        attributes: [{ name: 'stack', value: 'dev' }],
        tags: [{ key: 'team', value: 'a' }],
      }),
    );
    expect(registered).toMatchObject({ ec2InstanceId: 'i-0123456789abcdef0', status: 'ACTIVE' });
    const remote = registered!.containerInstanceArn!;
    await bed.ecs.send(
      new PutAttributesCommand({
        cluster,
        attributes: [
          { name: 'stack', value: 'prod', targetType: 'container-instance', targetId: local!.split('/').pop() },
        ],
      }),
    );

    expect((await bed.ecs.send(new ListTagsForResourceCommand({ resourceArn: remote }))).tags).toEqual([
      { key: 'team', value: 'a' },
    ]);
    await bed.ecs.send(new TagResourceCommand({ resourceArn: local, tags: [{ key: 'engine', value: 'local' }] }));
    const tagged = await bed.ecs.send(
      new DescribeContainerInstancesCommand({ cluster, containerInstances: [local!], include: ['TAGS'] }),
    );
    expect(tagged.containerInstances![0]!.tags).toEqual([{ key: 'engine', value: 'local' }]);
    const filtered = await bed.ecs.send(
      new ListContainerInstancesCommand({ cluster, filter: 'attribute:stack == dev' }),
    );
    expect(filtered.containerInstanceArns).toEqual([remote]);
    const byZone = await bed.ecs.send(
      new ListContainerInstancesCommand({ cluster, filter: 'attribute:ecs.availability-zone == us-east-1b' }),
    );
    expect(byZone.containerInstanceArns).toEqual([remote]);
    const byId = await bed.ecs.send(
      new ListContainerInstancesCommand({ cluster, filter: 'ec2InstanceId == i-0123456789abcdef0' }),
    );
    expect(byId.containerInstanceArns).toEqual([remote]);
    const stacks = await bed.ecs.send(
      new ListAttributesCommand({ cluster, targetType: 'container-instance', attributeName: 'stack' }),
    );
    expect(stacks.attributes).toEqual([
      { name: 'stack', value: 'prod', targetType: 'container-instance', targetId: local },
      { name: 'stack', value: 'dev', targetType: 'container-instance', targetId: remote },
    ]);

    const onDev = await run(cluster, {
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:stack == dev' }],
    });
    expect(onDev.failures).toEqual([]);
    expect(onDev.tasks![0]!.containerInstanceArn).toBe(remote);
    // A task placed on a registered instance runs on the local engine all the same.
    const running = await waitForTask(bed.ecs, onDev.tasks![0]!.taskArn!, isRunning, { cluster });
    expect(running.containers![0]!.runtimeId).toMatch(/^[0-9a-f]{64}$/);

    const nowhere = await run(cluster, {
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:stack == qa' }],
    });
    expect(nowhere.tasks).toEqual([]);
    expect(nowhere.failures).toEqual([
      { arn: local, reason: 'MemberOf' },
      { arn: remote, reason: 'MemberOf' },
    ]);
    const distinct = await run(cluster, {
      count: 3,
      group: 'spread',
      placementConstraints: [{ type: 'distinctInstance' }],
    });
    expect(distinct.tasks!.map((t) => t.containerInstanceArn).sort()).toEqual([local, remote].sort());
    expect(distinct.failures!.map((f) => f.reason)).toEqual(['DistinctInstance', 'DistinctInstance']);
    const badExpression = await errorOf(
      run(cluster, { placementConstraints: [{ type: 'memberOf', expression: 'attribute:stack like dev' }] }),
    );
    expect(badExpression.name).toBe('InvalidParameterException');

    const unknownTarget = await errorOf(
      bed.ecs.send(
        new PutAttributesCommand({
          cluster,
          attributes: [{ name: 'x', targetId: 'ffffffffffffffffffffffffffffffff' }],
        }),
      ),
    );
    expect(unknownTarget.name).toBe('TargetNotFoundException');
    const tooMany = await errorOf(
      bed.ecs.send(
        new PutAttributesCommand({
          cluster,
          attributes: Array.from({ length: 10 }, (_, i) => ({ name: `a${i}`, value: 'v', targetId: remote })),
        }),
      ),
    );
    expect(tooMany.name).toBe('AttributeLimitExceededException');
    await bed.ecs.send(new DeleteAttributesCommand({ cluster, attributes: [{ name: 'stack', targetId: local }] }));
    const after = await bed.ecs.send(
      new ListAttributesCommand({ cluster, targetType: 'container-instance', attributeName: 'stack' }),
    );
    expect(after.attributes?.map((a) => a.targetId)).toEqual([remote]);

    // Registered instances keep the cluster, and refuse to go while tasks run on them, unless forced.
    const clusterBusy = await errorOf(bed.ecs.send(new DeleteClusterCommand({ cluster })));
    expect(clusterBusy.name).toBe('ClusterContainsTasksException');
    const refused = await errorOf(
      bed.ecs.send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: remote })),
    );
    expect(refused).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Found running tasks on the instance.',
    });
    await stopAll(cluster, [onDev.tasks![0]!.taskArn!, ...distinct.tasks!.map((t) => t.taskArn!)]);
    const withInstance = await errorOf(bed.ecs.send(new DeleteClusterCommand({ cluster })));
    expect(withInstance.name).toBe('ClusterContainsContainerInstancesException');
    const gone = await bed.ecs.send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: remote }));
    expect(gone.containerInstance).toMatchObject({ status: 'INACTIVE', containerInstanceArn: remote });
    expect((await bed.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns).toEqual([local]);
    expect((await describeInstance(bed.ecs, cluster, remote)).status).toBe('INACTIVE');
    await bed.ecs.send(new DeleteClusterCommand({ cluster }));
  });

  it('drains an instance as the CDK drain hook does: service tasks move to another instance, nothing new lands there', async () => {
    const cluster = 'ci-drain';
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const [local] = (await bed.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns!;
    const { containerInstance } = await bed.ecs.send(
      new RegisterContainerInstanceCommand({
        cluster,
        instanceIdentityDocument: identity('i-0fedcba9876543210', 'us-east-1c'),
      }),
    );
    const other = containerInstance!.containerInstanceArn!;
    // While the other instance drains, the service's tasks all land on the local one.
    await bed.ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [other], status: 'DRAINING' }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'movers',
        taskDefinition: 'ci-sleep',
        desiredCount: 2,
        launchType: 'EC2',
      }),
    );
    await waitFor(
      'two service tasks running on the local instance',
      () => describeInstance(bed.ecs, cluster, local!),
      (i) => i.runningTasksCount === 2,
    );
    const before = (await bed.ecs.send(new ListTasksCommand({ cluster, serviceName: 'movers' }))).taskArns!;
    await bed.ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [other], status: 'ACTIVE' }),
    );

    // The CDK drain hook: find the instance by its EC2 id, drain it, wait for its tasks to be gone.
    const { containerInstanceArns } = await bed.ecs.send(
      new ListContainerInstancesCommand({
        cluster,
        filter: `ec2InstanceId == ${(await describeInstance(bed.ecs, cluster, local!)).ec2InstanceId ?? 'none'}`,
      }),
    );
    expect(containerInstanceArns).toEqual([]); // the local instance has no EC2 id
    const drained = await bed.ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [local!], status: 'DRAINING' }),
    );
    expect(drained.containerInstances![0]).toMatchObject({ containerInstanceArn: local, status: 'DRAINING' });
    await waitFor(
      'the local instance emptied',
      () => describeInstance(bed.ecs, cluster, local!),
      (i) => i.runningTasksCount === 0 && i.pendingTasksCount === 0,
    );
    const moved = await waitFor(
      'both service tasks running on the other instance',
      () => describeInstance(bed.ecs, cluster, other),
      (i) => i.runningTasksCount === 2,
    );
    expect(moved.status).toBe('ACTIVE');
    const old = (await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: before }))).tasks!;
    for (const task of old)
      expect(task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'ServiceSchedulerInitiated' });
    const service = (await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['movers'] }))).services![0]!;
    expect(service.runningCount).toBe(2);

    // Nothing new is placed on a draining instance; with every instance draining, nothing is placed.
    const standalone = await run(cluster);
    expect(standalone.tasks![0]!.containerInstanceArn).toBe(other);
    await bed.ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [other], status: 'DRAINING' }),
    );
    const unplaced = await run(cluster);
    expect(unplaced.tasks).toEqual([]);
    expect(unplaced.failures).toEqual([{ reason: 'No Container Instances were found in your cluster.' }]);

    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'movers', desiredCount: 0 }));
    await stopAll(cluster, [standalone.tasks![0]!.taskArn!]);
    await waitFor(
      'the service scaled in',
      () => describeInstance(bed.ecs, cluster, other),
      (i) => i.runningTasksCount === 0 && i.pendingTasksCount === 0,
    );
  });
});
