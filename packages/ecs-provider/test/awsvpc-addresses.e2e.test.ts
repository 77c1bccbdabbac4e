import http from 'node:http';
import net from 'node:net';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  waitUntilServicesStable,
  type Task,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  shellContainer,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
} from './support';

/*
 * awsvpc tasks have an address each, as Fargate tasks have a network interface each: tasks with the
 * same port mapping never collide, and each answers where DescribeTasks says it does, on the host
 * (the published port) and on its network (its IP and the container port; this runs on the Linux host,
 * which routes to Docker's bridge networks).
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-1'] } };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) =>
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body.trim()));
      })
      .on('error', reject),
  );
}

/** The body at `url` once the server in the task listens (it may start a moment after RUNNING). */
async function answer(url: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await get(url);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} never answered: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Where DescribeTasks says a task's container port is reached: host port on 127.0.0.1, and task IP. */
function addressesOf(task: Task, container: string, containerPort: number) {
  const c = task.containers!.find((x) => x.name === container)!;
  const bindings = c.networkBindings!.filter((b) => b.containerPort === containerPort && b.bindIP === '0.0.0.0');
  expect(bindings).toHaveLength(1);
  const eni = task.attachments!.find((a) => a.type === 'ElasticNetworkInterface')!;
  const detail = (name: string) => eni.details!.find((d) => d.name === name)?.value;
  const ip = detail('privateIPv4Address')!;
  expect(eni.status).toBe('ATTACHED');
  expect(c.networkInterfaces).toEqual([{ attachmentId: eni.id, privateIpv4Address: ip }]);
  return { hostPort: bindings[0]!.hostPort!, ip, mac: detail('macAddress'), subnetId: detail('subnetId') };
}

describeWithEngine('awsvpc task addresses on real Docker', () => {
  let bed: EcsTestBed;
  const cluster = 'net';

  beforeAll(async () => {
    bed = await startEcsTestBed({ ECS_SCHEDULER_INTERVAL_MS: '200' });
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  it('runs a FARGATE service of 3 tasks on one port mapping; each answers on its host port and its own IP', async () => {
    const port = await freePort();
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web3',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          // Each task answers with its hostname: its container's short Docker id.
          shellContainer('web', `hostname > /tmp/index.html && exec httpd -f -p ${port} -h /tmp`, {
            portMappings: [{ containerPort: port }],
          }),
        ],
      }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'web3',
        taskDefinition: 'web3',
        desiredCount: 3,
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    await waitUntilServicesStable(
      { client: bed.ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { cluster, services: ['web3'] },
    );
    const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, serviceName: 'web3' }));
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    expect(tasks).toHaveLength(3);

    const seen = [];
    for (const task of tasks!) {
      expect(task.lastStatus).toBe('RUNNING');
      const address = addressesOf(task, 'web', port);
      const info = await bed.docker.inspectContainer(task.containers![0]!.runtimeId!);
      // The ENI details are the container's real address on its Docker network.
      expect(address).toMatchObject({
        ip: info.networks[0]!.ipAddress,
        mac: info.networks[0]!.macAddress,
        subnetId: 'subnet-0123456789abcdef0',
      });
      const hostname = info.id.slice(0, 12);
      expect(await answer(`http://127.0.0.1:${address.hostPort}/`)).toBe(hostname);
      expect(await answer(`http://${address.ip}:${port}/`)).toBe(hostname);
      seen.push(address);
    }
    expect(new Set(seen.map((a) => a.hostPort)).size).toBe(3);
    expect(new Set(seen.map((a) => a.ip)).size).toBe(3);
    // The container port itself where it was free: the first task to start got it.
    expect(seen.filter((a) => a.hostPort === port)).toHaveLength(1);

    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'web3', force: true }));
  });

  it('gives two multi-container tasks on the same port mapping a holder address each', async () => {
    const port = await freePort();
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'pair',
        networkMode: 'awsvpc',
        containerDefinitions: [
          shellContainer('web', `echo "$ID" > /tmp/index.html && exec httpd -f -p ${port} -h /tmp`, {
            portMappings: [{ containerPort: port }],
          }),
          shellContainer('sidecar', 'sleep 3600'),
        ],
      }),
    );
    const runOne = async (id: string) => {
      const { tasks, failures } = await bed.ecs.send(
        new RunTaskCommand({
          cluster,
          taskDefinition: 'pair',
          networkConfiguration: network,
          overrides: { containerOverrides: [{ name: 'web', environment: [{ name: 'ID', value: id }] }] },
        }),
      );
      expect(failures).toEqual([]);
      return tasks![0]!.taskArn!;
    };
    // Both at once: they race for the port and, on a fresh engine, for the first use of the holder image.
    const arns = await Promise.all([runOne('one'), runOne('two')]);
    const running = await Promise.all(arns.map((arn) => waitForTask(bed.ecs, arn, isRunning, { cluster })));
    const addresses = running.map((task) => addressesOf(task, 'web', port));
    expect(new Set(addresses.map((a) => a.hostPort)).size).toBe(2);
    for (const [i, expected] of ['one', 'two'].entries()) {
      expect(await answer(`http://127.0.0.1:${addresses[i]!.hostPort}/`)).toBe(expected);
      expect(await answer(`http://${addresses[i]!.ip}:${port}/`)).toBe(expected);
    }
    for (const arn of arns) await bed.ecs.send(new StopTaskCommand({ cluster, task: arn }));
    await Promise.all(arns.map((arn) => waitForTask(bed.ecs, arn, isStopped, { cluster })));
  });
});
