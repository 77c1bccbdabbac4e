import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
  shellContainer,
} from './support';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describeWithEngine('ECS tasks on real Docker', () => {
  let bed: EcsTestBed;
  let hostDir: string;

  beforeAll(async () => {
    bed = await startEcsTestBed();
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-tasks-'));
    fs.chmodSync(hostDir, 0o777);
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  const register = async (input: Partial<RegisterTaskDefinitionCommandInput> & { family: string }) =>
    (await bed.ecs.send(new RegisterTaskDefinitionCommand({ containerDefinitions: [], ...input }))).taskDefinition!;

  const run = async (taskDefinition: string, extra: Record<string, unknown> = {}) => {
    const result = await bed.ecs.send(new RunTaskCommand({ taskDefinition, ...extra }));
    expect(result.failures).toEqual([]);
    return result.tasks!;
  };

  it('runs a definition with a bind mount, no network mode and no launch type as EC2 (bridge)', async () => {
    await register({
      family: 'simple',
      containerDefinitions: [
        shellContainer('writer', 'echo written-by-task > /container/path/out.txt', {
          mountPoints: [{ sourceVolume: 'test-volume', containerPath: '/container/path' }],
        }),
      ],
      volumes: [{ name: 'test-volume', host: { sourcePath: hostDir } }],
    });
    const [task] = await run('simple');
    expect(task).toMatchObject({ lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', launchType: 'EC2' });
    expect(task!.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/default\/[0-9a-f]{32}$/);
    const stopped = await waitForTask(bed.ecs, task!.taskArn!, isStopped);
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(stopped.containers![0]).toMatchObject({ name: 'writer', lastStatus: 'STOPPED', exitCode: 0 });
    expect(stopped.containers![0]!.runtimeId).toMatch(/^[0-9a-f]{64}$/);
    for (const field of [
      'createdAt',
      'pullStartedAt',
      'pullStoppedAt',
      'startedAt',
      'stoppingAt',
      'executionStoppedAt',
      'stoppedAt',
    ] as const) {
      expect(stopped[field]).toBeInstanceOf(Date);
    }
    expect(fs.readFileSync(path.join(hostDir, 'out.txt'), 'utf8')).toBe('written-by-task\n');
  });

  it('names containers <prefix>_<family>_<revision>_… and labels them with the task', async () => {
    await register({ family: 'named', containerDefinitions: [shellContainer('app', 'sleep 30')] });
    const [task] = await run('named');
    const running = await waitForTask(bed.ecs, task!.taskArn!, isRunning);
    const info = await bed.docker.inspectContainer(running.containers![0]!.runtimeId!);
    expect(info.name).toMatch(new RegExp(`^${bed.prefix}_named_1_app_[0-9a-f]{32}$`));
    expect(info.labels).toMatchObject({
      'localcloud.ecs.task-arn': running.taskArn,
      'localcloud.ecs.container-name': 'app',
      'localcloud.account': '000000000000',
      'localcloud.region': 'us-east-1',
    });
    expect(info.env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_ECS_EC2',
    });
    await bed.ecs.send(new StopTaskCommand({ task: running.taskArn, reason: 'done here' }));
  });

  it('moves through RUNNING to STOPPED on StopTask, with the caller reason, and the SDK waiters work', async () => {
    await register({
      family: 'sleeper',
      containerDefinitions: [shellContainer('app', 'sleep 300', { stopTimeout: 2 })],
    });
    const [task] = await run('sleeper', { startedBy: 'tester' });
    await waitUntilTasksRunning({ client: bed.ecs, maxWaitTime: 60 }, { tasks: [task!.taskArn!] });
    const listed = await bed.ecs.send(new ListTasksCommand({ startedBy: 'tester' }));
    expect(listed.taskArns).toEqual([task!.taskArn]);
    const stopping = await bed.ecs.send(new StopTaskCommand({ task: task!.taskArn, reason: 'test over' }));
    expect(stopping.task).toMatchObject({ desiredStatus: 'STOPPED' });
    await waitUntilTasksStopped({ client: bed.ecs, maxWaitTime: 60 }, { tasks: [task!.taskArn!] });
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ tasks: [task!.taskArn!] }));
    expect(tasks![0]).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'test over', lastStatus: 'STOPPED' });
    // sh ignores SIGTERM as PID 1, so the stop timeout ends it with SIGKILL.
    expect(tasks![0]!.containers![0]!.exitCode).toBe(137);
    const afterStop = await bed.ecs.send(new ListTasksCommand({ startedBy: 'tester', desiredStatus: 'STOPPED' }));
    expect(afterStop.taskArns).toEqual([task!.taskArn]);
  });

  it('fails a task whose image cannot be pulled with CannotPullContainerError', async () => {
    await register({
      family: 'nopull',
      containerDefinitions: [{ name: 'app', image: 'localcloud-test/does-not-exist:1', memory: 64 }],
    });
    const [task] = await run('nopull');
    const stopped = await waitForTask(bed.ecs, task!.taskArn!, isStopped);
    expect(stopped.stopCode).toBe('TaskFailedToStart');
    expect(stopped.stoppedReason).toMatch(/^CannotPullContainerError/);
    expect(stopped.containers![0]!.reason).toMatch(/^CannotPullContainerError/);
  });

  it('applies containerOverrides (command and environment)', async () => {
    await register({
      family: 'overridden',
      containerDefinitions: [
        shellContainer('app', 'echo from-definition > /out/override.txt', {
          environment: [{ name: 'GREETING', value: 'definition' }],
          mountPoints: [{ sourceVolume: 'out', containerPath: '/out' }],
        }),
      ],
      volumes: [{ name: 'out', host: { sourcePath: hostDir } }],
    });
    const [task] = await run('overridden', {
      overrides: {
        containerOverrides: [
          {
            name: 'app',
            command: ['sh', '-c', 'echo "$GREETING" > /out/override.txt'],
            environment: [{ name: 'GREETING', value: 'override' }],
          },
        ],
      },
    });
    const stopped = await waitForTask(bed.ecs, task!.taskArn!, isStopped);
    expect(stopped.containers![0]!.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(hostDir, 'override.txt'), 'utf8')).toBe('override\n');
  });

  it('lets the containers of one awsvpc task talk on localhost, in dependsOn order', async () => {
    await register({
      family: 'pair',
      networkMode: 'awsvpc',
      containerDefinitions: [
        shellContainer('server', 'echo pong > /tmp/index.html && httpd -f -p 8080 -h /tmp', {
          healthCheck: {
            command: ['CMD-SHELL', 'timeout 2 wget -qO- http://127.0.0.1:8080/ >/dev/null'],
            interval: 1,
            timeout: 2,
            retries: 10,
          },
        }),
        shellContainer('client', 'timeout 5 wget -qO- http://localhost:8080/ | grep -q pong', {
          essential: false,
          dependsOn: [{ containerName: 'server', condition: 'HEALTHY' }],
        }),
        shellContainer('after', 'exit 0', {
          essential: false,
          dependsOn: [{ containerName: 'client', condition: 'SUCCESS' }],
        }),
      ],
    });
    const [task] = await run('pair');
    const done = await waitForTask(
      bed.ecs,
      task!.taskArn!,
      (t) => t.containers?.find((c) => c.name === 'after')?.lastStatus === 'STOPPED',
    );
    expect(done.containers!.find((c) => c.name === 'client')).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0 });
    expect(done.containers!.find((c) => c.name === 'server')).toMatchObject({
      lastStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
    });
    expect(done.healthStatus).toBe('HEALTHY');
    await bed.ecs.send(new StopTaskCommand({ task: task!.taskArn }));
    await waitForTask(bed.ecs, task!.taskArn!, isStopped);
  });

  it('publishes port mappings on the host and reports networkBindings', async () => {
    const port = await freePort();
    await register({
      family: 'web',
      networkMode: 'awsvpc',
      containerDefinitions: [
        shellContainer('web', `httpd -f -p ${port} -h /www`, { portMappings: [{ containerPort: port }] }),
      ],
    });
    const [task] = await run('web');
    const running = await waitForTask(
      bed.ecs,
      task!.taskArn!,
      (t) => isRunning(t) && (t.containers?.[0]?.networkBindings?.length ?? 0) > 0,
    );
    // The engine binds IPv4 and IPv6 and ECS reports each, as its agent does.
    expect(running.containers![0]!.networkBindings).toContainEqual({
      bindIP: '0.0.0.0',
      containerPort: port,
      hostPort: port,
      protocol: 'tcp',
    });
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await httpGet(`http://127.0.0.1:${port}/`).catch(() => '');
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('hello from localcloud\n');
    await bed.ecs.send(new StopTaskCommand({ task: task!.taskArn }));
  });

  it('sees a container killed outside localcloud and stops the task with its exit code', async () => {
    await register({ family: 'victim', containerDefinitions: [shellContainer('app', 'sleep 300')] });
    const [task] = await run('victim');
    const running = await waitForTask(bed.ecs, task!.taskArn!, isRunning);
    await bed.docker.killContainer(running.containers![0]!.runtimeId!, 'SIGKILL');
    const stopped = await waitForTask(bed.ecs, task!.taskArn!, isStopped, { timeoutMs: 10_000 });
    expect(stopped).toMatchObject({ stopCode: 'EssentialContainerExited' });
    expect(stopped.containers![0]!.exitCode).toBe(137);
  });

  it('reports unknown tasks as MISSING failures', async () => {
    const result = await bed.ecs.send(new DescribeTasksCommand({ tasks: ['0123456789abcdef0123456789abcdef'] }));
    expect(result.tasks).toEqual([]);
    expect(result.failures).toEqual([{ arn: '0123456789abcdef0123456789abcdef', reason: 'MISSING' }]);
  });
});
