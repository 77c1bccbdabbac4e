import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type ContainerDefinition,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import {
  TEST_IMAGE,
  isRunning,
  isStopped,
  removePrefixContainers,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
  shellContainer,
} from './support';

/** A busybox container with the test's output folder mounted at /out. */
const container = (name: string, command: string, extra: Partial<ContainerDefinition> = {}): ContainerDefinition =>
  shellContainer(name, command, { mountPoints: [{ sourceVolume: 'out', containerPath: '/out' }], ...extra });

/** Fetches `url` into /out/<file>; a few tries, for the first instants of a container's life. */
const fetchTo = (url: string, file: string) =>
  `for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -qO /out/${file}.tmp "${url}" && mv /out/${file}.tmp /out/${file} && break; sleep 0.2; done`;

describeWithEngine('task metadata endpoint v4 and task role credentials', () => {
  let bed: EcsTestBed;
  let hostDir: string;

  beforeAll(async () => {
    bed = await startEcsTestBed({ SERVICES: 'ecs,logs' });
  });
  beforeEach(() => {
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-meta-'));
    fs.chmodSync(hostDir, 0o777);
  });
  afterEach(() => fs.rmSync(hostDir, { recursive: true, force: true }));
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const run = async (input: Partial<RegisterTaskDefinitionCommandInput> & { family: string }, launchType = 'EC2') => {
    const { taskDefinition } = await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        containerDefinitions: [],
        volumes: [{ name: 'out', host: { sourcePath: hostDir } }],
        ...input,
      }),
    );
    const result = await bed.ecs.send(
      new RunTaskCommand({
        taskDefinition: taskDefinition!.taskDefinitionArn,
        launchType: launchType as 'EC2',
        networkConfiguration:
          launchType === 'FARGATE' ? { awsvpcConfiguration: { subnets: ['subnet-12345678'] } } : undefined,
      }),
    );
    expect(result.failures).toEqual([]);
    return result.tasks![0]!.taskArn!;
  };

  const readJson = async (file: string, timeoutMs = 15_000): Promise<Record<string, any>> => {
    const full = path.join(hostDir, file);
    const deadline = Date.now() + timeoutMs;
    while (!fs.existsSync(full)) {
      if (Date.now() > deadline) throw new Error(`${file} never written`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return JSON.parse(fs.readFileSync(full, 'utf8')) as Record<string, any>;
  };

  test('ECS_CONTAINER_METADATA_URI_V4 serves the container, the task and their stats as ECS shapes them', async () => {
    const script = [
      'echo "$ECS_CONTAINER_METADATA_URI_V4" > /out/uri',
      '[ "$ECS_CONTAINER_METADATA_URI" = "$ECS_CONTAINER_METADATA_URI_V4" ] && touch /out/same',
      fetchTo('$ECS_CONTAINER_METADATA_URI_V4', 'container.json'),
      // The task shows RUNNING once all its containers have started.
      'sleep 1',
      fetchTo('$ECS_CONTAINER_METADATA_URI_V4/task', 'task.json'),
      fetchTo('$ECS_CONTAINER_METADATA_URI_V4/stats', 'stats.json'),
      fetchTo('$ECS_CONTAINER_METADATA_URI_V4/task/stats', 'task-stats.json'),
      'env > /out/env',
      'sleep 60',
    ].join('; ');
    const taskArn = await run({
      family: 'meta',
      networkMode: 'bridge',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        container('app', script, { dockerLabels: { team: 'blue' } }),
        container('side', 'sleep 60', { essential: false, mountPoints: [] }),
      ],
    });
    const task = await waitForTask(bed.ecs, taskArn, isRunning);
    const containerDoc = await readJson('container.json');
    const taskDoc = await readJson('task.json');
    const stats = await readJson('stats.json');
    const taskStats = await readJson('task-stats.json');
    expect(fs.existsSync(path.join(hostDir, 'same'))).toBe(true);
    expect(fs.readFileSync(path.join(hostDir, 'uri'), 'utf8')).toMatch(
      /^http:\/\/host\.docker\.internal:\d+\/v4\/[0-9a-f]{32}\n$/,
    );
    const env = fs.readFileSync(path.join(hostDir, 'env'), 'utf8');
    expect(env).toMatch(/^AWS_REGION=us-east-1$/m);
    expect(env).toMatch(/^AWS_DEFAULT_REGION=us-east-1$/m);
    expect(env).toMatch(/^AWS_EXECUTION_ENV=AWS_ECS_EC2$/m);
    expect(env).not.toMatch(/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/);

    const app = task.containers!.find((c) => c.name === 'app')!;
    expect(containerDoc).toMatchObject({
      Name: 'app',
      DockerName: expect.stringContaining(`${bed.prefix}_meta_`),
      Image: TEST_IMAGE,
      DesiredStatus: 'RUNNING',
      KnownStatus: 'RUNNING',
      Limits: { CPU: 0, Memory: 64 },
      Type: 'NORMAL',
      ContainerARN: app.containerArn,
      Labels: {
        team: 'blue',
        'com.amazonaws.ecs.cluster': task.clusterArn,
        'com.amazonaws.ecs.container-name': 'app',
        'com.amazonaws.ecs.task-arn': taskArn,
        'com.amazonaws.ecs.task-definition-family': 'meta',
        'com.amazonaws.ecs.task-definition-version': task.taskDefinitionArn!.split(':').pop(),
      },
      Networks: [{ NetworkMode: 'bridge', IPv4Addresses: [expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)] }],
    });
    expect(containerDoc.DockerId).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(containerDoc.StartedAt).getTime()).toBeGreaterThan(0);
    expect(new Date(containerDoc.CreatedAt).getTime()).toBeGreaterThan(0);

    expect(taskDoc).toMatchObject({
      Cluster: task.clusterArn,
      TaskARN: taskArn,
      Family: 'meta',
      Revision: task.taskDefinitionArn!.split(':').pop(),
      DesiredStatus: 'RUNNING',
      KnownStatus: 'RUNNING',
      Limits: { CPU: 0.25, Memory: 512 },
      AvailabilityZone: task.availabilityZone,
      LaunchType: 'EC2',
      PullStartedAt: task.pullStartedAt!.toISOString(),
      PullStoppedAt: task.pullStoppedAt!.toISOString(),
    });
    expect(taskDoc.Containers.map((c: { Name: string }) => c.Name).sort()).toEqual(['app', 'side']);
    expect(taskDoc.Containers.find((c: { Name: string }) => c.Name === 'app').DockerId).toBe(containerDoc.DockerId);

    expect(stats).toHaveProperty('memory_stats');
    expect(stats).toHaveProperty('cpu_stats');
    expect(Object.keys(taskStats).sort()).toEqual(
      taskDoc.Containers.map((c: { DockerId: string }) => c.DockerId).sort(),
    );
  });

  test('an unknown metadata token is 404', async () => {
    const taskArn = await run({
      family: 'meta-404',
      networkMode: 'bridge',
      containerDefinitions: [
        container(
          'app',
          'u=${ECS_CONTAINER_METADATA_URI_V4%/*}/0123456789abcdef0123456789abcdef; timeout 3 wget -qO- "$u" > /out/body 2>/out/err; echo $? > /out/rc',
        ),
      ],
    });
    await waitForTask(bed.ecs, taskArn, isStopped);
    expect(fs.readFileSync(path.join(hostDir, 'rc'), 'utf8').trim()).not.toBe('0');
    expect(fs.readFileSync(path.join(hostDir, 'err'), 'utf8')).toMatch(/404/);
  });

  test('a task role gives credentials at 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (bridge)', async () => {
    const roleArn = 'arn:aws:iam::000000000000:role/app-role';
    const taskArn = await run({
      family: 'creds',
      networkMode: 'bridge',
      taskRoleArn: roleArn,
      containerDefinitions: [
        container(
          'app',
          [
            'echo "$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" > /out/uri',
            fetchTo('http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'creds.json'),
            fetchTo('$AWS_ENDPOINT_URL/_localcloud/health', 'health.json'),
          ].join('; '),
        ),
      ],
    });
    await waitForTask(bed.ecs, taskArn, isStopped);
    expect(fs.readFileSync(path.join(hostDir, 'uri'), 'utf8')).toMatch(/^\/v2\/credentials\/[0-9a-f-]{36}\n$/);
    const creds = await readJson('creds.json', 1000);
    expect(creds).toEqual({
      AccessKeyId: '000000000000',
      SecretAccessKey: expect.any(String),
      Token: expect.any(String),
      Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      RoleArn: roleArn,
    });
    expect(new Date(creds.Expiration).getTime()).toBeGreaterThan(Date.now() + 3600_000);
    // AWS_ENDPOINT_URL reaches the gateway (which listens on loopback) through the agent listener.
    const health = await readJson('health.json', 1000);
    expect(health).toHaveProperty('services');
  });

  test('credentials from the standard address in a multi-container awsvpc task, at once', async () => {
    const roleArn = 'arn:aws:iam::000000000000:role/vpc-role';
    const once = (file: string) =>
      `timeout 5 wget -qO /out/${file} http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`;
    const taskArn = await run(
      {
        family: 'creds-vpc',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        taskRoleArn: roleArn,
        containerDefinitions: [container('a', once('a.json')), container('b', once('b.json'), { essential: false })],
      },
      'FARGATE',
    );
    await waitForTask(bed.ecs, taskArn, isStopped);
    expect((await readJson('a.json', 1000)).RoleArn).toBe(roleArn);
    expect((await readJson('b.json', 1000)).RoleArn).toBe(roleArn);
  });

  /** The stand-in Node image, built by jest's global setup (scripts/build-node-base-image.sh). */
  const NODE_IMAGE = 'node:20-bookworm-slim';

  test('an unmodified AWS SDK in a task gets the role credentials and calls localcloud in the task account', async () => {
    const account = '123456789012';
    const ecs = new ECSClient({ endpoint: bed.gw.url, region: 'us-east-1', credentials: testCredentials(account) });
    try {
      await ecs.send(new CreateClusterCommand({ clusterName: 'sdk-visible' }));
      const nodeModules = path.resolve(require.resolve('@aws-sdk/client-ecs'), '../../../..');
      const script = [
        "const { ECSClient, ListClustersCommand } = require('@aws-sdk/client-ecs');",
        "const fs = require('fs');",
        'const client = new ECSClient({});',
        'Promise.all([client.send(new ListClustersCommand({})), client.config.credentials()])',
        '  .then(([r, c]) => fs.writeFileSync("/out/sdk.json", JSON.stringify({ clusters: r.clusterArns, key: c.accessKeyId })))',
        '  .catch((e) => fs.writeFileSync("/out/sdk.json", JSON.stringify({ error: String(e) })));',
      ].join('\n');
      const { taskDefinition } = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'sdk',
          networkMode: 'bridge',
          taskRoleArn: `arn:aws:iam::${account}:role/sdk`,
          volumes: [
            { name: 'out', host: { sourcePath: hostDir } },
            { name: 'nm', host: { sourcePath: nodeModules } },
          ],
          containerDefinitions: [
            {
              name: 'sdk',
              image: NODE_IMAGE,
              command: ['node', '-e', script],
              memory: 256,
              stopTimeout: 2,
              environment: [{ name: 'NODE_PATH', value: nodeModules }],
              mountPoints: [
                { sourceVolume: 'out', containerPath: '/out' },
                { sourceVolume: 'nm', containerPath: nodeModules, readOnly: true },
              ],
            },
          ],
        }),
      );
      const { tasks } = await ecs.send(
        new RunTaskCommand({ taskDefinition: taskDefinition!.taskDefinitionArn, launchType: 'EC2' }),
      );
      await waitForTask(ecs, tasks![0]!.taskArn!, isStopped, { timeoutMs: 60_000 });
      expect(await readJson('sdk.json', 1000)).toEqual({
        clusters: expect.arrayContaining([`arn:aws:ecs:us-east-1:${account}:cluster/sdk-visible`]),
        key: account,
      });
    } finally {
      ecs.destroy();
    }
  }, 90_000);
});
