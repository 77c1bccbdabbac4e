import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import {
  CreatePrivateDnsNamespaceCommand,
  ListInstancesCommand,
  type InstanceSummary,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { startCloudMapBed } from './cloud-map-support';
import { eventually, idOf, ipOf, runningTasksOf } from './polling';
import { answersFrom as answersIn, SERVER_SCRIPT } from './service-connect-support';
import { removePrefixContainers, shellContainer, type EcsTestBed } from './support';

/*
 * Service Connect on real containers: the server service's tasks are instances of the Cloud Map service
 * ECS created for its discovery name while they run, and follow scaling.
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const PORT = 8080;

describeWithEngine('ECS Service Connect on real Docker', () => {
  let bed: EcsTestBed;
  let sd: ServiceDiscoveryClient;
  let close: () => Promise<void>;
  const cluster = 'sconn';
  const namespace = `sc${Date.now().toString(36)}.local`;

  beforeAll(async () => {
    ({ bed, sd, close } = await startCloudMapBed({ ECS_SCHEDULER_INTERVAL_MS: '200' }));
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sc-server',
        networkMode: 'awsvpc',
        containerDefinitions: [
          shellContainer('web', SERVER_SCRIPT(PORT), {
            portMappings: [{ name: 'http', containerPort: PORT, appProtocol: 'http' }],
          }),
        ],
      }),
    );
  });
  afterAll(async () => {
    await close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  async function instances(serviceId: string): Promise<InstanceSummary[]> {
    return (await sd.send(new ListInstancesCommand({ ServiceId: serviceId }))).Instances ?? [];
  }

  const runningTasks = (serviceName: string) => runningTasksOf(bed.ecs, cluster, serviceName);

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

  /** The distinct answers of 20 calls to `url` from the client task. */
  async function answersFrom(url: string): Promise<Set<string>> {
    const [client] = await runningTasks('client');
    return answersIn(bed.docker, client!, url);
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
  it("keeps a service's alias answered by its old tasks while a rollout that turns Service Connect off runs", async () => {
    const ns = `off-${namespace}`;
    await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: ns, Vpc: 'vpc-local' }));
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sc-client',
        networkMode: 'awsvpc',
        containerDefinitions: [shellContainer('client', 'exec sleep 3600')],
      }),
    );
    // A deployment whose tasks never start: the rollout cannot stop the old task (minimum healthy 100 %).
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sc-nopull',
        networkMode: 'awsvpc',
        containerDefinitions: [{ name: 'web', image: 'localcloud-test/does-not-exist:1', memory: 64 }],
      }),
    );
    const create = (name: string, extra: Partial<CreateServiceCommandInput>) =>
      bed.ecs.send(
        new CreateServiceCommand({ cluster, serviceName: name, networkConfiguration: network, ...extra } as never),
      );
    await create('legacy', {
      taskDefinition: 'sc-server',
      desiredCount: 1,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
      serviceConnectConfiguration: {
        enabled: true,
        namespace: ns,
        services: [{ portName: 'http', discoveryName: 'legacy', clientAliases: [{ port: PORT, dnsName: 'legacy' }] }],
      },
    });
    await create('caller', {
      taskDefinition: 'sc-client',
      desiredCount: 1,
      serviceConnectConfiguration: { enabled: true, namespace: ns },
    });
    const [old] = await eventually(
      () => runningTasks('legacy'),
      (t) => t.length === 1,
      'the server task',
    );
    await eventually(
      () => runningTasks('caller'),
      (t) => t.length === 1,
      'the client task',
    );
    const callLegacy = async () => {
      const [client] = await runningTasks('caller');
      return answersIn(bed.docker, client!, `http://legacy:${PORT}/`);
    };
    const before = await eventually(callLegacy, (a) => a.size === 1, 'the server task by its alias');

    await bed.ecs.send(
      new UpdateServiceCommand({
        cluster,
        service: 'legacy',
        taskDefinition: 'sc-nopull',
        serviceConnectConfiguration: { enabled: false },
      }),
    );
    // A task of the new deployment has failed, so the rollout is under way, and the old task still runs.
    await eventually(
      async () =>
        (await bed.ecs.send(new ListTasksCommand({ cluster, serviceName: 'legacy', desiredStatus: 'STOPPED' })))
          .taskArns ?? [],
      (arns) => arns.length > 0,
      'a failed task of the new deployment',
    );
    expect((await runningTasks('legacy')).map(idOf)).toEqual([idOf(old!)]);
    expect(await callLegacy()).toEqual(before);

    // A deployment that completes: once the old task is STOPPED, the alias answers nothing.
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'legacy', taskDefinition: 'sc-server' }));
    await eventually(
      () => runningTasks('legacy'),
      (t) => t.length === 1 && idOf(t[0]!) !== idOf(old!),
      'the new deployment running',
    );
    await eventually(
      () => bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['legacy'] })),
      (d) => d.services![0]!.deployments!.length === 1,
      'the old deployment gone (its last task STOPPED)',
    );
    await eventually(callLegacy, (a) => a.size === 0, 'the alias answering no task');
  });
});
