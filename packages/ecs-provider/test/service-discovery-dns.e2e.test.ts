import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand as CreateCloudMapServiceCommand,
  DiscoverInstancesCommand,
} from '@aws-sdk/client-servicediscovery';
import Dockerode from 'dockerode';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { describeWithEngine, inCi } from '@localcloud/docker-backend/testing';
import { answerData, queryUdp } from '@localcloud/local-dns/testing';
import { createDnsNamespace, startCloudMapBed, type CloudMapBed } from './cloud-map-support';
import { eventually as until, idOf, ipOf, runningTasksOf } from './polling';
import { isRunning, removePrefixContainers, shellContainer, waitForTask, type EcsTestBed } from './support';

/*
 * DNS for a Cloud Map private DNS namespace, on real containers: tasks get the gateway's local DNS as
 * their resolver, which answers `<service>.<namespace>` from the same state DiscoverInstances reads.
 * Runs as root (port 53); in CI a gateway that cannot bind it fails these tests (no DNS servers on tasks).
 */

/** Port 53 needs root (or CAP_NET_BIND_SERVICE): skipped for a developer without it, never in CI. */
const describeDns = inCi() || process.getuid?.() === 0 ? describeWithEngine : describe.skip;

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-1'] } };
const PORT = 8080;
const docker = new Dockerode();

interface Setup extends CloudMapBed {
  namespace: string;
  cluster: string;
}

/** A gateway with ECS and Cloud Map, and a fresh namespace name; `cluster` is created unless `prefix` is given (a restart). */
async function setUp(env: Record<string, string>, prefix?: string, namespace?: string): Promise<Setup> {
  const started = await startCloudMapBed({ ECS_SCHEDULER_INTERVAL_MS: '200', ...env }, prefix);
  const cluster = 'dns';
  if (!prefix) await started.bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  return { ...started, cluster, namespace: namespace ?? `dns${randomBytes(3).toString('hex')}.local` };
}

/** A private DNS namespace, a Cloud Map service `api` (A and SRV), and an ECS service of two httpd tasks in it. */
async function serveApi({ bed, sd, namespace, cluster }: Setup): Promise<void> {
  const namespaceId = await createDnsNamespace(sd, namespace);
  const { Service: registry } = await sd.send(
    new CreateCloudMapServiceCommand({
      Name: 'api',
      NamespaceId: namespaceId,
      DnsConfig: {
        RoutingPolicy: 'MULTIVALUE',
        DnsRecords: [
          { Type: 'A', TTL: 5 },
          { Type: 'SRV', TTL: 7 },
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
        // Each task answers with its own address, so the client can count who answered.
        shellContainer('web', `hostname -i | cut -d' ' -f1 > /tmp/index.html && exec httpd -f -p ${PORT} -h /tmp`, {
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
}

async function discover({ sd, namespace }: Setup): Promise<string[]> {
  const { Instances } = await sd.send(new DiscoverInstancesCommand({ NamespaceName: namespace, ServiceName: 'api' }));
  return (Instances ?? []).map((i) => i.Attributes!.AWS_INSTANCE_IPV4!).sort();
}

const runningApiTasks = ({ bed, cluster }: Setup): Promise<Task[]> => runningTasksOf(bed.ecs, cluster, 'api');

/** Starts a client task running `script` (a shell loop) and returns its container id. */
async function runClient({ bed, cluster }: Setup, script: string): Promise<string> {
  await bed.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'client',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [shellContainer('client', script)],
    }),
  );
  const { tasks } = await bed.ecs.send(
    new RunTaskCommand({ cluster, taskDefinition: 'client', launchType: 'FARGATE', networkConfiguration: network }),
  );
  const task = await waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning, { cluster });
  return task.containers![0]!.runtimeId!;
}

async function logsOf(bed: EcsTestBed, containerId: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of bed.docker.containerLogs(containerId)) lines.push(line.line);
  return lines;
}

describeDns('Cloud Map DNS for ECS tasks on the default bridge, on real Docker', () => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await setUp({});
  });
  afterAll(async () => {
    await setup.close();
    await removePrefixContainers(setup.bed.docker, setup.bed.prefix);
  });

  it('CreateService refuses a registryArn that is not a Cloud Map service ARN, or names none that exists', async () => {
    const create = (registryArn: string) =>
      setup.bed.ecs
        .send(
          new CreateServiceCommand({
            cluster: setup.cluster,
            serviceName: 'nowhere',
            taskDefinition: 'api',
            desiredCount: 1,
            launchType: 'FARGATE',
            networkConfiguration: network,
            serviceRegistries: [{ registryArn }],
          }),
        )
        .then(
          () => undefined,
          (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => error,
        );
    await setup.bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'api',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [shellContainer('web', 'sleep 1')],
      }),
    );
    const missing = 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-0000000000000000';
    const error = await create(missing);
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message: `The service registry ${missing} does not exist.`,
      $metadata: { httpStatusCode: 400 },
    });
    const namespaceArn = 'arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-0000000000000000';
    expect(await create(namespaceArn)).toMatchObject({
      name: 'InvalidParameterException',
      message: `The format of the supplied service registry ARN is invalid: ${namespaceArn}.`,
    });
    // Nothing was created.
    const { taskArns } = await setup.bed.ecs.send(
      new ListTasksCommand({ cluster: setup.cluster, serviceName: 'nowhere' }),
    );
    expect(taskArns).toEqual([]);

    // CreateTaskSet checks its serviceRegistries the same way, and creates no task set when refusing.
    await setup.bed.ecs.send(
      new CreateServiceCommand({
        cluster: setup.cluster,
        serviceName: 'external',
        desiredCount: 1,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const createTaskSet = (registryArn: string) =>
      setup.bed.ecs
        .send(
          new CreateTaskSetCommand({
            cluster: setup.cluster,
            service: 'external',
            taskDefinition: 'api',
            launchType: 'FARGATE',
            networkConfiguration: network,
            serviceRegistries: [{ registryArn }],
          }),
        )
        .then(
          () => undefined,
          (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => error,
        );
    expect(await createTaskSet(missing)).toMatchObject({
      name: 'InvalidParameterException',
      message: `The service registry ${missing} does not exist.`,
      $metadata: { httpStatusCode: 400 },
    });
    expect(await createTaskSet(namespaceArn)).toMatchObject({
      name: 'InvalidParameterException',
      message: `The format of the supplied service registry ARN is invalid: ${namespaceArn}.`,
      $metadata: { httpStatusCode: 400 },
    });
    const { services } = await setup.bed.ecs.send(
      new DescribeServicesCommand({ cluster: setup.cluster, services: ['external'] }),
    );
    expect(services![0]!.taskSets).toEqual([]);
    await setup.bed.ecs.send(new DeleteServiceCommand({ cluster: setup.cluster, service: 'external', force: true }));
  });

  it('resolves <service>.<namespace> to the registered tasks, follows scale-in and a docker kill, answers SRV and NXDOMAIN', async () => {
    const { namespace } = setup;
    const name = `api.${namespace}`;
    await serveApi(setup);
    const both = await until(
      () => discover(setup),
      (a) => a.length === 2,
      'two instances in DiscoverInstances',
    );

    // A third task asks the name again and again: by name (the resolver rotates the order, so both
    // tasks answer), by each address nslookup gives, an unknown name, and a name only the host knows.
    const client = await runClient(
      setup,
      [
        'while true; do',
        `  for i in 1 2 3 4 5 6; do echo "by-name $(timeout 3 wget -qO- http://${name}:${PORT}/)"; done`,
        `  for a in $(nslookup ${name} | awk '/^Address: / {print $2}'); do echo "by-address $a $(timeout 3 wget -qO- http://$a:${PORT}/)"; done`,
        `  nslookup nothing.${namespace} >/dev/null 2>&1 && echo unknown-found || echo unknown-nxdomain`,
        `  timeout 3 wget -qO- http://localhost:1/ 2>&1 | grep -q 'bad address' && echo localhost-unresolved || echo localhost-resolved`,
        '  sleep 1',
        'done',
      ].join('\n'),
    );
    // The task's resolver is the local DNS, on the gateway's address on the bridge.
    const inspected = await docker.getContainer(client).inspect();
    const servers = inspected.HostConfig.Dns ?? [];
    expect(servers).toHaveLength(1);
    const dnsAddress = servers[0]!;

    const lines = await until(
      () => logsOf(setup.bed, client),
      (l) => l.filter((x) => x.startsWith('by-name ')).length >= 12 && l.some((x) => x.startsWith('unknown-')),
      'the client resolving and fetching',
    );
    const byName = lines.filter((l) => l.startsWith('by-name ')).map((l) => l.slice('by-name '.length));
    const counts = Object.fromEntries(both.map((ip) => [ip, byName.filter((answer) => answer === ip).length]));
    console.log(`responses by name from each task: ${JSON.stringify(counts)} of ${byName.length}`);
    for (const ip of both) expect(counts[ip]).toBeGreaterThan(0);
    const byAddress = lines.filter((l) => l.startsWith('by-address ')).map((l) => l.split(' ').slice(1));
    expect(new Set(byAddress.map(([address]) => address))).toEqual(new Set(both));
    for (const [address, answer] of byAddress) expect(answer).toBe(address);
    expect(lines).toContain('unknown-nxdomain');
    expect(lines).not.toContain('unknown-found');
    expect(lines).toContain('localhost-resolved');

    // The same server, asked directly: A with the service's TTL, SRV with each task's target and address.
    const a = await queryUdp(dnsAddress, 53, name);
    expect((answerData(a) as string[]).sort()).toEqual(both);
    expect((a.answers![0] as { ttl: number }).ttl).toBe(5);
    const tasks = await runningApiTasks(setup);
    const srv = await queryUdp(dnsAddress, 53, name, 'SRV');
    expect(answerData(srv, 'SRV')).toEqual(
      expect.arrayContaining(tasks.map((t) => ({ priority: 1, weight: 1, port: PORT, target: `${idOf(t)}.${name}` }))),
    );
    expect(srv.answers).toHaveLength(2);
    expect((srv.answers![0] as { ttl: number }).ttl).toBe(7);
    expect(srv.additionals!.map((r) => [r.name, (r as { data: string }).data]).sort()).toEqual(
      tasks.map((t) => [`${idOf(t)}.${name}`, ipOf(t)]).sort(),
    );
    expect((await queryUdp(dnsAddress, 53, `nothing.${namespace}`)).rcode).toBe('NXDOMAIN');

    // Scale in: DNS follows the registry.
    await setup.bed.ecs.send(new UpdateServiceCommand({ cluster: setup.cluster, service: 'api', desiredCount: 1 }));
    const started = Date.now();
    const one = await until(
      () => discover(setup),
      (x) => x.length === 1,
      'one instance after scale-in',
    );
    const resolved = await until(
      async () => ((answerData(await queryUdp(dnsAddress, 53, name)) as string[]) ?? []).sort(),
      (x) => JSON.stringify(x) === JSON.stringify(one),
      'DNS answering the one remaining task',
    );
    console.log(`DNS followed scale-in in ${Date.now() - started} ms`);
    expect(resolved).toEqual(one);

    // Killed outside localcloud: out of discovery and DNS; the replacement comes in.
    const [survivor] = await runningApiTasks(setup);
    await setup.bed.docker.killContainer(survivor!.containers![0]!.runtimeId!, 'SIGKILL');
    const killedAt = Date.now();
    await until(
      async () => answerData(await queryUdp(dnsAddress, 53, name)) as string[],
      (x) => !x.includes(ipOf(survivor!)) || x.length === 0,
      'the killed task gone from DNS',
    );
    console.log(`DNS dropped a killed task in ${Date.now() - killedAt} ms`);
    expect(await discover(setup)).not.toContain(ipOf(survivor!));
    const replaced = await until(
      () => discover(setup),
      (x) => x.length === 1,
      'a replacement registered',
    );
    await until(
      async () => (answerData(await queryUdp(dnsAddress, 53, name)) as string[]).sort(),
      (x) => JSON.stringify(x) === JSON.stringify(replaced),
      'DNS answering the replacement',
    );

    await setup.bed.ecs.send(new DeleteServiceCommand({ cluster: setup.cluster, service: 'api', force: true }));
    await until(
      async () => (await queryUdp(dnsAddress, 53, name)).rcode,
      (r) => r === 'NXDOMAIN',
      'NXDOMAIN after delete',
    );
  });
});

describeDns('Cloud Map DNS for ECS tasks on a user-defined network, on real Docker', () => {
  let setup: Setup;
  const userNetwork = `lcdns-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    setup = await setUp({ ECS_DOCKER_NETWORK: userNetwork });
  });
  afterAll(async () => {
    await setup.close();
    await removePrefixContainers(setup.bed.docker, setup.bed.prefix);
    await setup.bed.docker.removeNetwork(userNetwork).catch(() => undefined);
  });

  it('keeps Docker’s embedded DNS for container names and reaches Cloud Map names through it', async () => {
    const name = `api.${setup.namespace}`;
    await serveApi(setup);
    const both = await until(
      () => discover(setup),
      (a) => a.length === 2,
      'two instances in DiscoverInstances',
    );
    const [peer] = await runningApiTasks(setup);
    const peerName = (await docker.getContainer(peer!.containers![0]!.runtimeId!).inspect()).Name.replace(/^\//, '');
    const client = await runClient(
      setup,
      [
        'while true; do',
        `  out=$(nslookup ${name} 2>&1)`,
        `  echo "cloud-map $(echo "$out" | awk '/^Address: / {print $2}' | sort | tr '\\n' ' ')"`,
        '  echo "$out" | sed "s/^/nslookup: /"',
        `  echo "container $(timeout 3 wget -qO- http://${peerName}:${PORT}/)"`,
        '  grep ^nameserver /etc/resolv.conf',
        '  sleep 1',
        'done',
      ].join('\n'),
    );
    const lines = await until(
      () => logsOf(setup.bed, client),
      (l) => l.some((x) => x.startsWith('container ')) && l.some((x) => x.startsWith('cloud-map ')),
      'the client resolving both kinds of names',
    );
    // Docker's embedded DNS stays the container's resolver; it forwards what it does not know to ours.
    expect(lines).toContain('nameserver 127.0.0.11');
    expect(lines).toContain(`cloud-map ${both.join(' ')} `);
    expect(lines).toContain(`container ${ipOf(peer!)}`);
    expect((await docker.getContainer(client).inspect()).HostConfig.Dns).toHaveLength(1);
  });
});

describeDns('Cloud Map DNS across a gateway restart (PERSISTENCE=1), on real Docker', () => {
  const prefix = `lcdnsr${process.pid.toString(36)}`;
  let dataDir: string;
  let setup: Setup | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-dns-restart-'));
  });
  afterAll(async () => {
    await stop();
    const docker = new DockerodeBackend();
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(namespace?: string): Promise<Setup> {
    setup = await setUp({ PERSISTENCE: '1', DATA_DIR: dataDir }, prefix, namespace);
    return setup;
  }

  async function stop(): Promise<void> {
    await setup?.close();
    setup = undefined;
  }

  it('a task re-adopted after a restart resolves the names again, from the records kept on disk', async () => {
    let current = await start();
    await current.bed.ecs.send(new CreateClusterCommand({ clusterName: current.cluster }));
    await serveApi(current);
    const both = await until(
      () => discover(current),
      (a) => a.length === 2,
      'two instances in DiscoverInstances',
    );
    const name = `api.${current.namespace}`;
    const client = await runClient(
      current,
      `while true; do echo "seen $(nslookup ${name} | awk '/^Address: / {print $2}' | sort | tr '\\n' ' ')"; sleep 1; done`,
    );
    const expected = `seen ${both.join(' ')} `;
    await until(
      () => logsOf(current.bed, client),
      (l) => l.includes(expected),
      'the client resolving before the restart',
    );

    await stop();
    const restartedAt = new Date();
    current = await start(current.namespace);
    // Lines logged after the restart: the same task, its resolver answered by the new gateway.
    const after = await until(
      async () => {
        const lines: string[] = [];
        for await (const line of current.bed.docker.containerLogs(client, { since: restartedAt }))
          lines.push(line.line);
        return lines;
      },
      (l) => l.includes(expected),
      'the re-adopted client resolving after the restart',
    );
    expect(after).toContain(expected);
  });
});
