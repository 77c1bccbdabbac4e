import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateCloudMapServiceCommand,
  DiscoverInstancesCommand,
  ListInstancesCommand,
  type HttpInstanceSummary,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { createDnsNamespace, createHttpNamespace, startCloudMapBed } from './cloud-map-support';
import { get, PORT } from './load-balancer-support';
import { eventually, idOf, ipOf, runningTasksOf } from './polling';
import { removePrefixContainers, shellContainer, type EcsTestBed } from './support';

/*
 * serviceRegistries on real containers: the tasks of an ECS service appear in its Cloud Map service
 * while they run, with their own address and port, and leave it when they stop, however they stop.
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-1'] } };

describeWithEngine('ECS serviceRegistries on Cloud Map, on real Docker', () => {
  let bed: EcsTestBed;
  let sd: ServiceDiscoveryClient;
  let close: () => Promise<void>;
  const cluster = 'disc';
  const namespace = `disc${Date.now().toString(36)}.local`;

  beforeAll(async () => {
    ({ bed, sd, close } = await startCloudMapBed({ ECS_SCHEDULER_INTERVAL_MS: '200' }));
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  afterAll(async () => {
    await close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const discover = async () =>
    (await sd.send(new DiscoverInstancesCommand({ NamespaceName: namespace, ServiceName: 'api' }))).Instances ?? [];

  /** Polls DiscoverInstances until `predicate` holds; returns the instances and how long it took. */
  async function discovered(
    predicate: (instances: HttpInstanceSummary[]) => boolean,
    what: string,
  ): Promise<{ instances: HttpInstanceSummary[]; ms: number }> {
    const started = Date.now();
    const instances = await eventually(discover, predicate, `discovery showing ${what}`, { intervalMs: 100 });
    return { instances, ms: Date.now() - started };
  }

  const runningTasks = () => runningTasksOf(bed.ecs, cluster, 'api');
  const ids = (instances: HttpInstanceSummary[]) => instances.map((i) => i.InstanceId!).sort();

  it('registers each running task with its address and port, follows scale-in, and drops a task killed outside localcloud', async () => {
    const namespaceId = await createDnsNamespace(sd, namespace);
    const { Service: registry } = await sd.send(
      new CreateCloudMapServiceCommand({
        Name: 'api',
        NamespaceId: namespaceId,
        DnsConfig: {
          DnsRecords: [
            { Type: 'A', TTL: 10 },
            { Type: 'SRV', TTL: 10 },
          ],
        },
      }),
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'api',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          shellContainer('web', `echo "$HOSTNAME" > /tmp/index.html && exec httpd -f -p ${PORT} -h /tmp`, {
            portMappings: [{ containerPort: PORT }],
          }),
        ],
      }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'api',
        taskDefinition: 'api',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: network,
        serviceRegistries: [{ registryArn: registry!.Arn!, containerName: 'web', containerPort: PORT }],
      }),
    );
    const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['api'] }));
    expect(services![0]!.serviceRegistries).toEqual([
      { registryArn: registry!.Arn!, containerName: 'web', containerPort: PORT },
    ]);

    // Both tasks, exactly: the instances are the running tasks, at their ENI addresses.
    const two = await discovered((i) => i.length === 2, 'two instances');
    const tasks = await runningTasks();
    expect(ids(two.instances)).toEqual(tasks.map(idOf).sort());
    for (const task of tasks) {
      const instance = two.instances.find((i) => i.InstanceId === idOf(task))!;
      expect(instance.Attributes).toEqual({
        AWS_INSTANCE_IPV4: ipOf(task),
        AWS_INSTANCE_PORT: String(PORT),
        AVAILABILITY_ZONE: task.availabilityZone ?? 'us-east-1a',
        REGION: 'us-east-1',
        ECS_CLUSTER_NAME: cluster,
        ECS_SERVICE_NAME: 'api',
        ECS_TASK_DEFINITION_FAMILY: 'api',
      });
    }
    // What discovery hands out reaches the tasks (the Linux host routes to Docker's bridge networks).
    const answers = await Promise.all(
      two.instances.map(
        async (i) => (await get(`http://${i.Attributes!.AWS_INSTANCE_IPV4}:${i.Attributes!.AWS_INSTANCE_PORT}/`)).body,
      ),
    );
    expect(new Set(answers).size).toBe(2);

    // Scale in: the stopped task leaves discovery, the other stays.
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'api', desiredCount: 1 }));
    const one = await discovered((i) => i.length === 1, 'one instance after scale-in');
    const survivor = one.instances[0]!.InstanceId!;
    expect(ids(two.instances)).toContain(survivor);
    console.log(`discovery followed scale-in in ${one.ms} ms`);

    // Killed outside localcloud: out of discovery; the replacement the scheduler starts comes in.
    const [survivorTask] = (await runningTasks()).filter((t) => idOf(t) === survivor);
    // Straight through the Engine API, as `docker kill` does: ECS is not asked.
    await bed.docker.killContainer(survivorTask!.containers![0]!.runtimeId!, 'SIGKILL');
    const gone = await discovered((i) => !ids(i).includes(survivor), 'the killed task gone');
    console.log(`discovery dropped a killed task in ${gone.ms} ms`);
    const replaced = await discovered((i) => i.length === 1 && i[0]!.InstanceId !== survivor, 'a replacement');
    expect(ids(replaced.instances)).toEqual((await runningTasks()).map(idOf));

    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'api', force: true }));
    await discovered((i) => i.length === 0, 'no instances after the service is deleted');
  });

  it("registers a task set's tasks in the task set's serviceRegistries, each set in its own", async () => {
    const namespaceId = await createHttpNamespace(sd, `sets-${namespace}`);
    const registries: Record<string, { arn: string; id: string }> = {};
    for (const name of ['blue', 'green']) {
      const { Service } = await sd.send(new CreateCloudMapServiceCommand({ Name: name, NamespaceId: namespaceId }));
      registries[name] = { arn: Service!.Arn!, id: Service!.Id! };
    }
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sets',
        containerDefinitions: [shellContainer('app', 'sleep 3600')],
      }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'sets',
        desiredCount: 1,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const taskSets: Record<string, string> = {};
    for (const name of ['blue', 'green']) {
      const { taskSet } = await bed.ecs.send(
        new CreateTaskSetCommand({
          cluster,
          service: 'sets',
          taskDefinition: 'sets',
          scale: { value: 100, unit: 'PERCENT' },
          serviceRegistries: [{ registryArn: registries[name]!.arn }],
        }),
      );
      taskSets[name] = taskSet!.id!;
    }
    const instancesOf = async (name: string) =>
      ((await sd.send(new ListInstancesCommand({ ServiceId: registries[name]!.id }))).Instances ?? [])
        .map((i) => i.Id!)
        .sort();
    const tasksOf = async (name: string) => {
      const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, startedBy: taskSets[name] }));
      if (!taskArns?.length) return [];
      const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
      return tasks!.filter((t) => t.lastStatus === 'RUNNING').map(idOf);
    };
    /** Per task set: its RUNNING tasks and the instances of its Cloud Map service. */
    const state = async () => ({
      blue: { tasks: await tasksOf('blue'), instances: await instancesOf('blue') },
      green: { tasks: await tasksOf('green'), instances: await instancesOf('green') },
    });
    const settled = await eventually(
      state,
      (now) =>
        [now.blue, now.green].every(
          (set) => set.tasks.length === 1 && JSON.stringify(set.instances) === JSON.stringify(set.tasks),
        ),
      'each task set running one task, in its own Cloud Map service',
    );

    // The blue set goes: its task leaves blue's Cloud Map service; green's stays where it is.
    await bed.ecs.send(new DeleteTaskSetCommand({ cluster, service: 'sets', taskSet: taskSets.blue, force: true }));
    await eventually(
      () => instancesOf('blue'),
      (ids) => ids.length === 0,
      'blue empty',
    );
    expect(await instancesOf('green')).toEqual(settled.green.tasks);

    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'sets', force: true }));
    await eventually(
      () => instancesOf('green'),
      (ids) => ids.length === 0,
      'green empty after the service is deleted',
    );
  });
});
