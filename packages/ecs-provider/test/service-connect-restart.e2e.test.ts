import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateHttpNamespaceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

/*
 * With PERSISTENCE=1, Service Connect keeps working across a gateway restart: the tasks keep running, and
 * the new process publishes the client aliases and opens the alias proxy again, so a client task that
 * lived through the restart still reaches both server tasks by name.
 */
describeWithEngine('ECS Service Connect across a gateway restart', () => {
  const prefix = `lcscr${process.pid.toString(36)}`;
  const docker = new DockerodeBackend();
  const cluster = 'scr';
  const PORT = 8080;
  let dataDir: string;
  let bed: EcsTestBed | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-sc-restart-'));
  });
  afterAll(async () => {
    await bed?.close();
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startEcsTestBed(
      { SERVICES: 'ecs,servicediscovery', PERSISTENCE: '1', DATA_DIR: dataDir, ECS_SCHEDULER_INTERVAL_MS: '200' },
      prefix,
    );

  async function runningTasks(serviceName: string): Promise<Task[]> {
    const { taskArns } = await bed!.ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }));
    if (!taskArns?.length) return [];
    const { tasks } = await bed!.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return tasks!.filter((t) => t.lastStatus === 'RUNNING');
  }

  /** The distinct server answers of 20 calls to `url` from the client task. */
  async function answersFrom(url: string): Promise<Set<string>> {
    const [client] = await runningTasks('client');
    const process = await docker.execContainer(client!.containers![0]!.runtimeId!, {
      command: ['sh', '-c', `for i in $(seq 1 20); do timeout 5 wget -qO- ${url}; done`],
    });
    let out = '';
    for await (const chunk of process.output) out += Buffer.from(chunk).toString();
    await process.exitCode();
    return new Set(out.split('\n').filter((line) => line.startsWith('task ')));
  }

  async function eventually<T>(read: () => Promise<T>, predicate: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    let last: T = await read();
    while (!predicate(last)) {
      if (Date.now() > deadline) throw new Error(`never saw ${what}; last: ${JSON.stringify([...(last as never)])}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await read();
    }
    return last;
  }

  it('answers the client aliases again after a restart, directly and through the proxy', async () => {
    const proxied = 20000 + Math.floor(Math.random() * 10000);
    bed = await start();
    const sd = new ServiceDiscoveryClient({
      endpoint: bed.gw.url,
      region: 'us-east-1',
      credentials: testCredentials(),
      disableHostPrefix: true,
    });
    await sd.send(new CreateHttpNamespaceCommand({ Name: 'restart.local' }));
    sd.destroy();
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const [family, container] of [
      [
        'scr-server',
        shellContainer('web', `echo "task $(hostname)" > /tmp/index.html && exec httpd -f -p ${PORT} -h /tmp`, {
          portMappings: [{ name: 'http', containerPort: PORT }],
        }),
      ],
      ['scr-client', shellContainer('client', 'exec sleep 3600')],
    ] as const) {
      await bed.ecs.send(
        new RegisterTaskDefinitionCommand({ family, networkMode: 'awsvpc', containerDefinitions: [container] }),
      );
    }
    const network = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'server',
        taskDefinition: 'scr-server',
        desiredCount: 2,
        networkConfiguration: network,
        serviceConnectConfiguration: {
          enabled: true,
          namespace: 'restart.local',
          services: [
            { portName: 'http', discoveryName: 'api', clientAliases: [{ port: PORT, dnsName: 'api' }] },
            { portName: 'http', discoveryName: 'api-alt', clientAliases: [{ port: proxied, dnsName: 'alt' }] },
          ],
        },
      }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'client',
        taskDefinition: 'scr-client',
        desiredCount: 1,
        networkConfiguration: network,
        serviceConnectConfiguration: { enabled: true, namespace: 'restart.local' },
      }),
    );
    await eventually(
      () => runningTasks('server'),
      (t) => t.length === 2,
      'two server tasks',
    );
    await eventually(
      () => runningTasks('client'),
      (t) => t.length === 1,
      'the client task',
    );
    const before = await eventually(
      () => answersFrom(`http://api:${PORT}/`),
      (a) => a.size === 2,
      'both tasks',
    );
    await eventually(
      () => answersFrom(`http://alt:${proxied}/`),
      (a) => a.size === 2,
      'both tasks, proxied',
    );

    await bed.close();
    bed = await start();
    const started = Date.now();
    const direct = await eventually(
      () => answersFrom(`http://api:${PORT}/`),
      (a) => a.size === 2,
      'both, again',
    );
    expect(direct).toEqual(before);
    const proxiedAnswers = await eventually(
      () => answersFrom(`http://alt:${proxied}/`),
      (a) => a.size === 2,
      'both through the proxy, again',
    );
    expect(proxiedAnswers).toEqual(before);
    console.log(`Service Connect aliases answered again ${Date.now() - started} ms after the restart`);
  }, 180_000);
});
