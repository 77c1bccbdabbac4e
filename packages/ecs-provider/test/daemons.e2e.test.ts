import {
  CreateClusterCommand,
  CreateDaemonCommand,
  DeleteDaemonCommand,
  DeleteDaemonTaskDefinitionCommand,
  DescribeDaemonCommand,
  DescribeDaemonDeploymentsCommand,
  DescribeDaemonRevisionsCommand,
  DescribeDaemonTaskDefinitionCommand,
  DescribeTasksCommand,
  ListContainerInstancesCommand,
  ListDaemonDeploymentsCommand,
  ListDaemonTaskDefinitionsCommand,
  ListDaemonsCommand,
  ListTasksCommand,
  RegisterContainerInstanceCommand,
  RegisterDaemonTaskDefinitionCommand,
  UpdateDaemonCommand,
  waitUntilDaemonActive,
  waitUntilDaemonDeploymentStopped,
  waitUntilDaemonDeploymentSuccessful,
  waitUntilDaemonTaskDefinitionActive,
  waitUntilDaemonTaskDefinitionDeleted,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { errorOf } from './ecs-test-client';
import { TEST_IMAGE, removePrefixContainers, startEcsTestBed, type EcsTestBed } from './support';

const schedulerEnv = {
  ECS_SCHEDULER_INTERVAL_MS: '200',
  ECS_SCHEDULER_BACKOFF_BASE_MS: '500',
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

const CAPACITY_PROVIDER = 'arn:aws:ecs:us-east-1:000000000000:capacity-provider/managed';

describeWithEngine('ECS daemons on real Docker: one task per container instance', () => {
  let bed: EcsTestBed;
  let ecs: ECSClient;
  const cluster = 'dmn';
  const waiter = () => ({ client: ecs, maxWaitTime: 90, minDelay: 1, maxDelay: 1 });

  beforeAll(async () => {
    bed = await startEcsTestBed(schedulerEnv);
    ecs = bed.ecs;
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    // A registered instance beside the cluster's local one: two instances, two daemon tasks.
    await ecs.send(
      new RegisterContainerInstanceCommand({
        cluster,
        instanceIdentityDocument: JSON.stringify({ instanceId: 'i-0daemon0000000001' }),
      }),
    );
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const register = async (command: string) =>
    (
      await ecs.send(
        new RegisterDaemonTaskDefinitionCommand({
          family: 'node-agent',
          containerDefinitions: [
            { name: 'agent', image: TEST_IMAGE, command: ['sh', '-c', command], memory: 32, stopTimeout: 1 },
          ],
        }),
      )
    ).daemonTaskDefinitionArn!;

  const daemonTasks = async (): Promise<Task[]> => {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }));
    if (!taskArns?.length) return [];
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return (tasks ?? []).filter((t) => t.group === 'daemon:node-agent');
  };

  it('runs, rolls and deletes a daemon, with every daemon waiter of the model', async () => {
    // Revision 1 cannot run (its container exits at once): its deployment stays IN_PROGRESS.
    const broken = await register('exit 3');
    expect(broken).toBe('arn:aws:ecs:us-east-1:000000000000:daemon-task-definition/node-agent:1');
    await waitUntilDaemonTaskDefinitionActive(waiter(), { daemonTaskDefinition: broken });

    const created = await ecs.send(
      new CreateDaemonCommand({
        daemonName: 'node-agent',
        clusterArn: cluster,
        daemonTaskDefinitionArn: broken,
        capacityProviderArns: [CAPACITY_PROVIDER],
        tags: [{ key: 'team', value: 'ops' }],
      }),
    );
    expect(created).toMatchObject({
      daemonArn: `arn:aws:ecs:us-east-1:000000000000:daemon/${cluster}/node-agent`,
      status: 'ACTIVE',
    });
    await waitUntilDaemonActive(waiter(), { daemonArn: created.daemonArn! });
    const firstDeployment = created.deploymentArn!;
    await waitFor(
      'first deployment in progress',
      async () =>
        (await ecs.send(new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [firstDeployment] })))
          .daemonDeployments![0]!,
      (d) => d.status === 'IN_PROGRESS',
    );

    // Revision 2 runs; the update supersedes the stuck deployment, which stops.
    const good = await register('sleep 3600');
    const updated = await ecs.send(
      new UpdateDaemonCommand({
        daemonArn: created.daemonArn!,
        daemonTaskDefinitionArn: good,
        capacityProviderArns: [CAPACITY_PROVIDER],
      }),
    );
    await waitUntilDaemonDeploymentStopped(waiter(), { daemonDeploymentArns: [firstDeployment] });
    await waitUntilDaemonDeploymentSuccessful(waiter(), { daemonDeploymentArns: [updated.deploymentArn!] });

    // One RUNNING task of revision 2 on each instance, each a container the engine runs.
    const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster }));
    expect(containerInstanceArns).toHaveLength(2);
    const tasks = await waitFor('two daemon tasks', daemonTasks, (t) => t.length === 2);
    expect(tasks.map((t) => t.containerInstanceArn).sort()).toEqual([...containerInstanceArns!].sort());
    expect(tasks.every((t) => t.lastStatus === 'RUNNING' && t.taskDefinitionArn === good)).toBe(true);
    const engine = await bed.docker.listContainers({ labels: { 'localcloud.ecs.managed': bed.prefix } });
    for (const task of tasks) expect(engine.some((c) => c.id === task.containers![0]!.runtimeId)).toBe(true);

    const { daemon } = await ecs.send(new DescribeDaemonCommand({ daemonArn: created.daemonArn! }));
    expect(daemon).toMatchObject({ status: 'ACTIVE', deploymentArn: updated.deploymentArn });
    expect(daemon!.currentRevisions![0]).toMatchObject({ totalRunningCount: 2, totalWithoutDaemonCount: 0 });
    const { daemonRevisions } = await ecs.send(
      new DescribeDaemonRevisionsCommand({
        daemonRevisionArns: [
          daemon!.currentRevisions![0]!.arn!,
          'arn:aws:ecs:us-east-1:000000000000:daemon-revision/dmn/node-agent/nope',
        ],
      }),
    );
    expect(daemonRevisions).toEqual([expect.objectContaining({ daemonTaskDefinitionArn: good })]);
    const deployments = await ecs.send(new ListDaemonDeploymentsCommand({ daemonArn: created.daemonArn! }));
    expect(deployments.daemonDeployments!.map((d) => d.status)).toEqual(['SUCCESSFUL', 'STOPPED']);
    expect((await ecs.send(new ListDaemonsCommand({ clusterArn: cluster }))).daemonSummariesList).toHaveLength(1);

    // Revision 1 is no longer deployed: deleting it completes at once.
    await ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: broken }));
    await waitUntilDaemonTaskDefinitionDeleted(waiter(), { daemonTaskDefinition: broken });
    const listed = await ecs.send(new ListDaemonTaskDefinitionsCommand({ familyPrefix: 'node', status: 'ALL' }));
    expect(listed.daemonTaskDefinitions!.map((d) => d.status)).toEqual(['DELETED', 'ACTIVE']);
    // Revision 2 is: it stays DELETE_IN_PROGRESS until the daemon is gone.
    await ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: good }));
    expect(
      (await ecs.send(new DescribeDaemonTaskDefinitionCommand({ daemonTaskDefinition: good }))).daemonTaskDefinition,
    ).toMatchObject({ status: 'DELETE_IN_PROGRESS' });

    const deleted = await ecs.send(new DeleteDaemonCommand({ daemonArn: created.daemonArn! }));
    expect(deleted.status).toBe('DELETE_IN_PROGRESS');
    expect(await errorOf(ecs.send(new DeleteDaemonCommand({ daemonArn: created.daemonArn! })))).toMatchObject({
      name: 'DaemonNotActiveException',
    });
    await waitFor(
      'daemon gone',
      () =>
        ecs.send(new DescribeDaemonCommand({ daemonArn: created.daemonArn! })).then(
          (r) => r.daemon?.status,
          (e: Error) => e.name,
        ),
      (outcome) => outcome === 'DaemonNotFoundException',
    );
    expect(await daemonTasks()).toEqual([]);
    await waitUntilDaemonTaskDefinitionDeleted(waiter(), { daemonTaskDefinition: good });
  });

  it('refuses what ECS refuses', async () => {
    expect(
      await errorOf(
        ecs.send(new DescribeDaemonCommand({ daemonArn: 'arn:aws:ecs:us-east-1:000000000000:daemon/dmn/x' })),
      ),
    ).toMatchObject({ name: 'DaemonNotFoundException' });
    expect(
      await errorOf(
        ecs.send(
          new CreateDaemonCommand({
            daemonName: 'x',
            clusterArn: 'nope',
            daemonTaskDefinitionArn: 'node-agent',
            capacityProviderArns: [CAPACITY_PROVIDER],
          }),
        ),
      ),
    ).toMatchObject({ name: 'ClusterNotFoundException' });
    expect(
      await errorOf(ecs.send(new DescribeDaemonTaskDefinitionCommand({ daemonTaskDefinition: 'missing:1' }))),
    ).toMatchObject({ name: 'ClientException' });
  });
});
