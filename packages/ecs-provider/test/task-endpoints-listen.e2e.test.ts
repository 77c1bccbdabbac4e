import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
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

/** IPv4 and IPv6 addresses with a listening TCP socket on `port`, as the kernel reports them. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [hexAddress, hexPort] = local!.split(':');
      if (state !== '0A' || parseInt(hexPort!, 16) !== port) continue;
      // /proc prints each 32-bit word of the address in host (little-endian) byte order.
      const bytes = hexAddress!.match(/../g)!.map((h) => parseInt(h, 16));
      const words = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.slice(i * 4, i * 4 + 4).reverse());
      found.push(
        bytes.length === 4
          ? words[0]!.join('.')
          : words
              .flat()
              .reduce(
                (text, byte, i) => text + (i % 2 === 0 && i > 0 ? ':' : '') + byte.toString(16).padStart(2, '0'),
                '',
              ),
      );
    }
  }
  return found.sort();
}

describeWithEngine('the task endpoints listener', () => {
  let bed: EcsTestBed;
  let network: string;
  let hostDir: string;
  let port: number;
  let firstTask: string;

  beforeAll(async () => {
    // A task network that does not exist yet when the gateway starts: the first task creates it.
    network = `lc-late-${randomBytes(4).toString('hex')}`;
    bed = await startEcsTestBed({ ECS_DOCKER_NETWORK: network });
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-listen-'));
    fs.chmodSync(hostDir, 0o777);
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
    await bed.docker.removeNetwork(network);
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  test('listens on loopback and the Docker networks tasks use (one created after start), not on every address', async () => {
    const { taskDefinition } = await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'listen',
        networkMode: 'bridge',
        volumes: [{ name: 'out', host: { sourcePath: hostDir } }],
        containerDefinitions: [
          shellContainer(
            'app',
            'cat /etc/hosts > /out/hosts; for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -qO /out/task.json "$ECS_CONTAINER_METADATA_URI_V4/task" && break; sleep 0.2; done; sleep 60',
            { mountPoints: [{ sourceVolume: 'out', containerPath: '/out' }] },
          ),
        ],
      }),
    );
    const { tasks } = await bed.ecs.send(
      new RunTaskCommand({ taskDefinition: taskDefinition!.taskDefinitionArn, launchType: 'EC2' }),
    );
    const task = await waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
    firstTask = task.taskArn!;
    const info = await bed.docker.inspectContainer(task.containers![0]!.runtimeId!);
    port = Number(/:(\d+)\/v4\//.exec(info.env.ECS_CONTAINER_METADATA_URI_V4!)![1]);

    // The task, on a network created after start, reached its endpoint (through host.docker.internal).
    const deadline = Date.now() + 15_000;
    while (!fs.existsSync(path.join(hostDir, 'task.json')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(JSON.parse(fs.readFileSync(path.join(hostDir, 'task.json'), 'utf8'))).toMatchObject({
      TaskARN: task.taskArn,
    });

    // What tasks reach: host.docker.internal (the engine's host-gateway) and their own network's gateway.
    const hostGateway = /^(\S+)\s+host\.docker\.internal$/m.exec(
      fs.readFileSync(path.join(hostDir, 'hosts'), 'utf8'),
    )![1]!;
    const networkGateway = (await bed.docker.inspectNetwork(network))!.subnets[0]!.gateway!;
    expect(listeningAddresses(port)).toEqual(['127.0.0.1', hostGateway, networkGateway].sort());
  });

  test('a task network removed and created again with other addresses is bound again', async () => {
    await bed.ecs.send(new StopTaskCommand({ task: firstTask }));
    await waitForTask(bed.ecs, firstTask, isStopped);
    await bed.docker.removeNetwork(network);
    // Another range than the engine would hand out, so the gateway address surely changes.
    const docker = new Dockerode();
    let gateway: string | undefined;
    for (let attempt = 0; attempt < 5 && !gateway; attempt++) {
      const base = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
      await docker
        .createNetwork({ Name: network, IPAM: { Config: [{ Subnet: `${base}.0/24`, Gateway: `${base}.1` }] } })
        .then(() => (gateway = `${base}.1`))
        .catch(() => undefined); // that range is taken on this engine: try another
    }
    expect(gateway).toBeDefined();

    const { tasks } = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'listen', launchType: 'EC2' }));
    await waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
    expect(listeningAddresses(port)).toContain(gateway);
  });
});
