import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreatePrivateDnsNamespaceCommand,
  ListInstancesCommand,
  ServiceDiscoveryClient,
  type InstanceSummary,
} from '@aws-sdk/client-servicediscovery';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

/*
 * Service Connect on real containers: the server service's tasks are instances of the Cloud Map service
 * ECS created for its discovery name while they run, and follow scaling.
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const PORT = 8080;

describeWithEngine('ECS Service Connect on real Docker', () => {
  let bed: EcsTestBed;
  let sd: ServiceDiscoveryClient;
  const cluster = 'sconn';
  const namespace = `sc${Date.now().toString(36)}.local`;

  beforeAll(async () => {
    bed = await startEcsTestBed({ SERVICES: 'ecs,servicediscovery', ECS_SCHEDULER_INTERVAL_MS: '200' });
    sd = new ServiceDiscoveryClient({
      endpoint: bed.gw.url,
      region: 'us-east-1',
      credentials: testCredentials(),
      disableHostPrefix: true,
    });
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sc-server',
        networkMode: 'awsvpc',
        containerDefinitions: [
          shellContainer('web', `echo "task $(hostname)" > /tmp/index.html && exec httpd -f -p ${PORT} -h /tmp`, {
            portMappings: [{ name: 'http', containerPort: PORT, appProtocol: 'http' }],
          }),
        ],
      }),
    );
  });
  afterAll(async () => {
    sd.destroy();
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  async function instances(serviceId: string): Promise<InstanceSummary[]> {
    return (await sd.send(new ListInstancesCommand({ ServiceId: serviceId }))).Instances ?? [];
  }

  /** Polls until `predicate` holds; fails with what was last seen. */
  async function eventually<T>(read: () => Promise<T>, predicate: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 60_000;
    let last: T = await read();
    while (!predicate(last)) {
      if (Date.now() > deadline) throw new Error(`never saw ${what}; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await read();
    }
    return last;
  }

  async function runningTasks(serviceName: string): Promise<Task[]> {
    const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }));
    if (!taskArns?.length) return [];
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return tasks!.filter((t) => t.lastStatus === 'RUNNING');
  }
  const idOf = (task: Task) => task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1);
  const ipOf = (task: Task) => task.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;

  it('registers the server tasks in Cloud Map under the discovery name and follows scaling', async () => {
    await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: namespace, Vpc: 'vpc-local' }));
    const { service } = await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'server',
        taskDefinition: 'sc-server',
        desiredCount: 2,
        networkConfiguration: network,
        serviceConnectConfiguration: {
          enabled: true,
          namespace,
          services: [
            { portName: 'http', discoveryName: 'backend', clientAliases: [{ port: PORT, dnsName: 'backend' }] },
          ],
        },
      }),
    );
    const resource = service!.deployments![0]!.serviceConnectResources![0]!;
    expect(resource.discoveryName).toBe('backend');
    const serviceId = resource.discoveryArn!.slice(resource.discoveryArn!.lastIndexOf('/') + 1);

    // Both running tasks, exactly, at their ENI address and the named container port.
    const two = await eventually(
      () => instances(serviceId),
      (i) => i.length === 2,
      'two instances',
    );
    const tasks = await runningTasks('server');
    expect(two.map((i) => i.Id).sort()).toEqual(tasks.map(idOf).sort());
    for (const task of tasks) {
      expect(two.find((i) => i.Id === idOf(task))!.Attributes).toMatchObject({
        AWS_INSTANCE_IPV4: ipOf(task),
        AWS_INSTANCE_PORT: String(PORT),
        ECS_SERVICE_NAME: 'server',
      });
    }

    // Scale in: the stopped task leaves Cloud Map; scale out: the new one comes in.
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'server', desiredCount: 1 }));
    const one = await eventually(
      () => instances(serviceId),
      (i) => i.length === 1,
      'one instance',
    );
    expect(two.map((i) => i.Id)).toContain(one[0]!.Id);
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'server', desiredCount: 2 }));
    const again = await eventually(
      () => instances(serviceId),
      (i) => i.length === 2,
      'two instances again',
    );
    expect(again.map((i) => i.Id).sort()).toEqual((await runningTasks('server')).map(idOf).sort());

    const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['server'] }));
    expect(services![0]!.deployments![0]!.serviceConnectResources).toEqual([resource]);

    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'server', force: true }));
    await eventually(
      () => instances(serviceId),
      (i) => i.length === 0,
      'no instances after the service is deleted',
    );
  });

  /** Runs `script` in the client task's container; its output. */
  async function inClient(script: string): Promise<string> {
    const [client] = await runningTasks('client');
    const process = await bed.docker.execContainer(client!.containers![0]!.runtimeId!, {
      command: ['sh', '-c', script],
    });
    let out = '';
    for await (const chunk of process.output) out += Buffer.from(chunk).toString();
    await process.exitCode();
    return out;
  }

  /** The distinct answers of 20 calls to `url` from the client task. */
  async function answersFrom(url: string): Promise<Set<string>> {
    const out = await inClient(`for i in $(seq 1 20); do timeout 5 wget -qO- ${url}; done`);
    // Only the servers' answers: a failed call prints wget's error instead.
    return new Set(out.split('\n').filter((line) => line.startsWith('task ')));
  }

  it('lets a client task reach every server task by client alias, directly and through the alias proxy', async () => {
    const proxied = 20000 + Math.floor(Math.random() * 10000);
    const ns = `data-${namespace}`;
    await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: ns, Vpc: 'vpc-local' }));
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sc-client',
        networkMode: 'awsvpc',
        containerDefinitions: [shellContainer('client', 'exec sleep 3600')],
      }),
    );
    const service = (name: string, extra: Partial<CreateServiceCommandInput>) =>
      bed.ecs.send(
        new CreateServiceCommand({ cluster, serviceName: name, networkConfiguration: network, ...extra } as never),
      );
    await service('web', {
      taskDefinition: 'sc-server',
      desiredCount: 2,
      serviceConnectConfiguration: {
        enabled: true,
        namespace: ns,
        services: [
          // On the container port: the name answers the tasks' own addresses.
          { portName: 'http', discoveryName: 'web', clientAliases: [{ port: PORT, dnsName: 'web' }] },
          // On another port: the name answers the alias proxy, which forwards to taskIP:8080.
          { portName: 'http', discoveryName: 'web-alt', clientAliases: [{ port: proxied }] },
        ],
      },
    });
    await service('client', {
      taskDefinition: 'sc-client',
      desiredCount: 1,
      serviceConnectConfiguration: { enabled: true, namespace: ns },
    });
    await eventually(
      () => runningTasks('web'),
      (t) => t.length === 2,
      'two server tasks',
    );
    await eventually(
      () => runningTasks('client'),
      (t) => t.length === 1,
      'the client task',
    );

    const direct = await eventually(
      () => answersFrom(`http://web:${PORT}/`),
      (a) => a.size === 2,
      'both tasks',
    );
    expect(direct.size).toBe(2);
    const viaProxy = await eventually(
      () => answersFrom(`http://web-alt.${ns}:${proxied}/`),
      (a) => a.size === 2,
      'both tasks through the proxy',
    );
    expect(viaProxy).toEqual(direct);

    // Scale in: both names follow to the one task left.
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'web', desiredCount: 1 }));
    const started = Date.now();
    const one = await eventually(
      () => answersFrom(`http://web:${PORT}/`),
      (a) => a.size === 1,
      'one task',
    );
    console.log(`Service Connect alias followed scale-in in ${Date.now() - started} ms`);
    expect(direct).toContain([...one][0]);
    await eventually(
      () => answersFrom(`http://web-alt.${ns}:${proxied}/`),
      (a) => a.size === 1,
      'one task',
    );
  });
});
