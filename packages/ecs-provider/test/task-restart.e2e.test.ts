import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  DescribeTasksCommand,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { testCredentials } from '@localcloud/gateway/testing';
import { TEST_IMAGE, describeWithEngine } from '@localcloud/docker-backend/testing';
import { isRunning, isStopped, removePrefixContainers, startEcsTestBed, waitForTask, type EcsTestBed } from './support';

const sleeper = {
  family: 'long',
  containerDefinitions: [{ name: 'app', image: TEST_IMAGE, command: ['sleep', '300'], memory: 64, stopTimeout: 2 }],
};

describeWithEngine('ECS tasks across gateway restarts', () => {
  const prefix = `lcr${process.pid.toString(36)}`;
  const docker = new DockerodeBackend();
  let dataDir: string;
  let bed: EcsTestBed | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-restart-'));
  });
  afterEach(async () => {
    await bed?.close();
    bed = undefined;
  });
  afterAll(async () => {
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = () => startEcsTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir }, prefix);

  it('re-adopts running task containers after a restart, and follows them again', async () => {
    bed = await start();
    await bed.ecs.send(new RegisterTaskDefinitionCommand(sleeper));
    const { tasks } = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'long' }));
    const running = await waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
    const containerId = running.containers![0]!.runtimeId!;
    await bed.close();
    bed = undefined;

    // With persistence the gateway leaves task containers running for the next start.
    expect((await docker.inspectContainer(containerId)).state.running).toBe(true);

    bed = await start();
    const adopted = await waitForTask(bed.ecs, running.taskArn!, isRunning);
    expect(adopted.containers![0]!.runtimeId).toBe(containerId);

    await docker.killContainer(containerId, 'SIGKILL');
    const stopped = await waitForTask(bed.ecs, running.taskArn!, isStopped, { timeoutMs: 10_000 });
    expect(stopped).toMatchObject({ stopCode: 'EssentialContainerExited' });
    expect(stopped.containers![0]!.exitCode).toBe(137);
  });

  it('brings a task killed while the gateway was down up to date on start', async () => {
    bed = await start();
    const { tasks } = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'long' }));
    const running = await waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
    await bed.close();
    bed = undefined;
    await docker.killContainer(running.containers![0]!.runtimeId!, 'SIGKILL');

    bed = await start();
    const stopped = await waitForTask(bed.ecs, running.taskArn!, isStopped, { timeoutMs: 10_000 });
    expect(stopped).toMatchObject({ stopCode: 'EssentialContainerExited' });
    expect(stopped.containers![0]!.exitCode).toBe(137);
  });

  it('forgets STOPPED tasks once their retention has passed', async () => {
    bed = await startEcsTestBed(
      { PERSISTENCE: '1', DATA_DIR: dataDir, ECS_STOPPED_TASK_RETENTION_SECONDS: '1' },
      prefix,
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'brief',
        containerDefinitions: [{ name: 'app', image: TEST_IMAGE, command: ['true'], memory: 64 }],
      }),
    );
    const { tasks } = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'brief' }));
    await waitForTask(bed.ecs, tasks![0]!.taskArn!, isStopped);
    await bed.close();
    bed = undefined;
    await new Promise((r) => setTimeout(r, 1100));

    bed = await startEcsTestBed(
      { PERSISTENCE: '1', DATA_DIR: dataDir, ECS_STOPPED_TASK_RETENTION_SECONDS: '1' },
      prefix,
    );
    const described = await bed.ecs.send(new DescribeTasksCommand({ tasks: [tasks![0]!.taskArn!] }));
    expect(described.failures).toEqual([{ arn: tasks![0]!.taskArn, reason: 'MISSING' }]);
  });

  it('resumes awslogs delivery of a re-adopted task where the previous run stopped, without duplicates', async () => {
    const env = { SERVICES: 'ecs,logs', PERSISTENCE: '1', DATA_DIR: dataDir };
    const group = '/ecs/restart';
    const script = 'i=0; while [ $i -lt 30 ]; do echo line-$i; i=$((i+1)); sleep 0.2; done';
    bed = await startEcsTestBed(env, prefix);
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'chatty',
        containerDefinitions: [
          {
            name: 'app',
            image: TEST_IMAGE,
            command: ['sh', '-c', script],
            memory: 64,
            stopTimeout: 2,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': group, 'awslogs-stream-prefix': 'p', 'awslogs-create-group': 'true' },
            },
          },
        ],
      }),
    );
    const taskArn = (await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'chatty' }))).tasks![0]!.taskArn!;
    const stream = `p/app/${taskArn.slice(taskArn.lastIndexOf('/') + 1)}`;
    const messages = async () => {
      const logs = new CloudWatchLogsClient({
        endpoint: bed!.gw.url,
        region: 'us-east-1',
        credentials: testCredentials(),
      });
      try {
        const out = await logs.send(
          new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
        );
        return out.events!.map((e) => e.message);
      } catch {
        return [];
      } finally {
        logs.destroy();
      }
    };
    for (let i = 0; i < 100 && (await messages()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    await bed.close();
    bed = undefined;
    await new Promise((r) => setTimeout(r, 1500));

    bed = await startEcsTestBed(env, prefix);
    await waitForTask(bed.ecs, taskArn, isStopped, { timeoutMs: 20_000 });
    expect(await messages()).toEqual(Array.from({ length: 30 }, (_, i) => `line-${i}`));
  });

  it('removes its own containers of tasks it does not know', async () => {
    // This data directory's instance id, from a container the gateway started.
    bed = await start();
    const { tasks } = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'long' }));
    const running = await waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
    const instance = (await docker.inspectContainer(running.containers![0]!.runtimeId!)).labels[
      'localcloud.ecs.instance'
    ]!;
    await bed.close();
    bed = undefined;

    const stray = await docker.createContainer({
      name: `${prefix}_stray_1_app_${Date.now()}`,
      image: TEST_IMAGE,
      command: ['sleep', '300'],
      labels: {
        'localcloud.ecs.managed': prefix,
        'localcloud.ecs.instance': instance,
        'localcloud.ecs.task-arn': 'arn:aws:ecs:us-east-1:000000000000:task/default/ffffffffffffffffffffffffffffffff',
        'localcloud.account': '000000000000',
        'localcloud.region': 'us-east-1',
        'localcloud.ecs.container-name': 'app',
      },
    });
    await docker.startContainer(stray);
    bed = await start();
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = !(await docker.listContainers({ all: true, labels: { 'localcloud.ecs.managed': prefix } })).some(
        (c) => c.id === stray,
      );
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gone).toBe(true);
  });

  it('removes its task containers on shutdown when persistence is off', async () => {
    const ephemeral = await startEcsTestBed({}, `${prefix}e`);
    try {
      await ephemeral.ecs.send(new RegisterTaskDefinitionCommand(sleeper));
      const { tasks } = await ephemeral.ecs.send(new RunTaskCommand({ taskDefinition: 'long' }));
      const running = await waitForTask(ephemeral.ecs, tasks![0]!.taskArn!, isRunning);
      await ephemeral.close();
      await expect(docker.inspectContainer(running.containers![0]!.runtimeId!)).rejects.toThrow();
    } finally {
      await removePrefixContainers(docker, `${prefix}e`);
    }
  });
});

describeWithEngine('ECS tasks when the Docker engine is unreachable', () => {
  let bed: EcsTestBed;
  beforeAll(async () => {
    bed = await startEcsTestBed({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  });
  afterAll(() => bed.close());

  it('refuses RunTask with a clear error and keeps serving the control plane', async () => {
    await bed.ecs.send(new RegisterTaskDefinitionCommand(sleeper));
    const error = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'long' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } });
    expect((error as Error).message).toMatch(/Docker engine is not reachable/);
    expect((await bed.ecs.send(new ListClustersCommand({}))).clusterArns).toContain(
      'arn:aws:ecs:us-east-1:000000000000:cluster/default',
    );
    const health = await request(bed.gw.url).get('/_localcloud/health');
    expect(health.body).toMatchObject({
      status: 'degraded',
      services: { ecs: { status: 'degraded', docker: { state: 'unavailable' } } },
    });
  });

  it('answers StopTask and DescribeTasks for unknown tasks as ECS does', async () => {
    const described = await bed.ecs.send(new DescribeTasksCommand({ tasks: ['0123456789abcdef0123456789abcdef'] }));
    expect(described.failures).toEqual([{ arn: '0123456789abcdef0123456789abcdef', reason: 'MISSING' }]);
    await expect(bed.ecs.send(new StopTaskCommand({ task: '0123456789abcdef0123456789abcdef' }))).rejects.toMatchObject(
      {
        name: 'InvalidParameterException',
      },
    );
  });
});
