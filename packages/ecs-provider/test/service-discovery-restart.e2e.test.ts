import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateCloudMapServiceCommand,
  DiscoverInstancesCommand,
  type ServiceDiscoveryClient,
  type HttpInstanceSummary,
} from '@aws-sdk/client-servicediscovery';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { createHttpNamespace, startCloudMapBed, type CloudMapBed } from './cloud-map-support';
import { eventually, idOf } from './polling';
import { removePrefixContainers, shellContainer } from './support';

/*
 * With PERSISTENCE=1 both the tasks and the Cloud Map instances survive a gateway restart: a task that
 * kept running stays discoverable, one killed while the gateway was down leaves discovery on start, and
 * its replacement comes in.
 */
describeWithEngine('ECS serviceRegistries across a gateway restart', () => {
  const prefix = `lcsd${process.pid.toString(36)}`;
  const docker = new DockerodeBackend();
  const cluster = 'disc';
  let dataDir: string;
  let current: CloudMapBed | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-sd-restart-'));
  });
  afterAll(async () => {
    await stop();
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<CloudMapBed> {
    current = await startCloudMapBed({ PERSISTENCE: '1', DATA_DIR: dataDir, ECS_SCHEDULER_INTERVAL_MS: '200' }, prefix);
    return current;
  }
  async function stop(): Promise<void> {
    await current?.close();
    current = undefined;
  }

  async function discovered(
    client: ServiceDiscoveryClient,
    predicate: (instances: HttpInstanceSummary[]) => boolean,
    what: string,
  ): Promise<string[]> {
    const discover = async () =>
      (await client.send(new DiscoverInstancesCommand({ NamespaceName: 'restart', ServiceName: 'worker' })))
        .Instances ?? [];
    const instances = await eventually(discover, predicate, `discovery showing ${what}`, { intervalMs: 100 });
    return instances.map((i) => i.InstanceId!).sort();
  }

  it('keeps running tasks registered, deregisters one killed while down, registers its replacement', async () => {
    let { bed: ecsBed, sd: client } = await start();
    const namespaceId = await createHttpNamespace(client, 'restart');
    const { Service } = await client.send(
      new CreateCloudMapServiceCommand({ Name: 'worker', NamespaceId: namespaceId }),
    );
    await ecsBed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecsBed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'worker',
        networkMode: 'awsvpc',
        containerDefinitions: [shellContainer('app', 'sleep 3600')],
      }),
    );
    await ecsBed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'worker',
        taskDefinition: 'worker',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        serviceRegistries: [{ registryArn: Service!.Arn! }],
      }),
    );
    const before = await discovered(client, (i) => i.length === 2, 'two instances');
    const { taskArns } = await ecsBed.ecs.send(new ListTasksCommand({ cluster, serviceName: 'worker' }));
    const { tasks } = await ecsBed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    const [killed, kept] = tasks!;
    expect(before).toEqual(tasks!.map(idOf).sort());
    await stop();

    await docker.killContainer(killed!.containers![0]!.runtimeId!, 'SIGKILL');
    ({ bed: ecsBed, sd: client } = await start());
    const after = await discovered(
      client,
      (i) => i.length === 2 && !i.some((x) => x.InstanceId === idOf(killed!)),
      'the killed task replaced',
    );
    expect(after).toContain(idOf(kept!));

    await ecsBed.ecs.send(new DeleteServiceCommand({ cluster, service: 'worker', force: true }));
    await discovered(client, (i) => i.length === 0, 'no instances after the service is deleted');
  });
});
