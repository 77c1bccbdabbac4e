import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type ContainerDefinition,
  type LogConfiguration,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
  shellContainer,
} from './support';
import { readAllLogEvents } from './log-events';

const awslogs = (group: string, extra: Record<string, string> = {}): LogConfiguration => ({
  logDriver: 'awslogs',
  options: { 'awslogs-group': group, 'awslogs-stream-prefix': 'app', 'awslogs-region': 'us-east-1', ...extra },
});

const container = shellContainer;

const taskIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

describeWithEngine('awslogs: container output in CloudWatch Logs', () => {
  let bed: EcsTestBed;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    bed = await startEcsTestBed({ SERVICES: 'ecs,logs' });
    logs = new CloudWatchLogsClient({ endpoint: bed.gw.url, region: 'us-east-1', credentials: testCredentials() });
  });
  afterAll(async () => {
    logs.destroy();
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const runTask = async (family: string, containers: ContainerDefinition[]) => {
    const { taskDefinition } = await bed.ecs.send(
      new RegisterTaskDefinitionCommand({ family, containerDefinitions: containers, networkMode: 'bridge' }),
    );
    const result = await bed.ecs.send(
      new RunTaskCommand({ taskDefinition: taskDefinition!.taskDefinitionArn, launchType: 'EC2' }),
    );
    expect(result.failures).toEqual([]);
    return result.tasks![0]!.taskArn!;
  };

  const readAll = (group: string, stream: string) => readAllLogEvents(logs, group, stream);

  test('a pseudoTerminal container: its output, not multiplexed by the engine, arrives line by line', async () => {
    const group = `/ecs/tty-${bed.prefix}`;
    const taskArn = await runTask('logs-tty', [
      container('app', 'echo first; echo second >&2; echo third', {
        pseudoTerminal: true,
        logConfiguration: awslogs(group, { 'awslogs-create-group': 'true' }),
      }),
    ]);
    await waitForTask(bed.ecs, taskArn, isStopped);
    const events = await readAll(group, `app/app/${taskIdOf(taskArn)}`);
    // A TTY merges stderr into one stream; read as multiplexed frames, these lines would be mangled or lost.
    expect(events.map((e) => e.message)).toEqual(['first', 'second', 'third']);
  });

  test('stdout and stderr land in <prefix>/<container>/<task id>, complete and ordered, before STOPPED', async () => {
    const group = `/ecs/seq-${bed.prefix}`;
    const script = 'i=1; while [ $i -le 200 ]; do echo "out $i"; i=$((i+1)); done; echo "to stderr" >&2; echo last';
    const taskArn = await runTask('logs-seq', [
      container('app', script, { logConfiguration: awslogs(group, { 'awslogs-create-group': 'true' }) }),
    ]);
    const stopped = await waitForTask(bed.ecs, taskArn, isStopped);
    expect(stopped.containers?.[0]?.exitCode).toBe(0);

    // Read right after STOPPED shows: nothing may still be in flight.
    const stream = `app/app/${taskIdOf(taskArn)}`;
    const events = await readAll(group, stream);
    const messages = events.map((e) => e.message);
    const stdout = messages.filter((m) => m !== 'to stderr');
    expect(stdout).toEqual([...Array.from({ length: 200 }, (_, i) => `out ${i + 1}`), 'last']);
    expect(messages).toContain('to stderr');
    const times = events.map((e) => e.timestamp!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.abs(times[0]! - stopped.startedAt!.getTime())).toBeLessThan(5_000);

    const filtered = await logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"out 19"', logStreamNamePrefix: 'app/app/' }),
    );
    expect(filtered.events?.map((e) => e.message)).toEqual([
      'out 19',
      ...Array.from({ length: 10 }, (_, i) => `out ${190 + i}`),
    ]);
    expect(filtered.events?.every((e) => e.logStreamName === stream)).toBe(true);
  });

  test('a burst of 30,000 lines written right before exit arrives complete and in order', async () => {
    const group = `/ecs/burst-${bed.prefix}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const count = 30_000;
    const script = `i=0; while [ $i -lt ${count} ]; do echo "line-$i"; i=$((i+1)); done`;
    const taskArn = await runTask('logs-burst', [container('burst', script, { logConfiguration: awslogs(group) })]);
    await waitForTask(bed.ecs, taskArn, isStopped, { timeoutMs: 60_000 });

    const events = await readAll(group, `app/burst/${taskIdOf(taskArn)}`);
    expect(events.length).toBe(count);
    const bad = events.findIndex((e, i) => e.message !== `line-${i}`);
    expect(bad).toBe(-1);

    let filtered = 0;
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'line-', nextToken }),
      );
      filtered += page.events?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    expect(filtered).toBe(count);
  }, 90_000);

  test("a line longer than CloudWatch Logs' 256 KiB event limit becomes several events, as Docker's driver splits it", async () => {
    const group = `/ecs/long-${bed.prefix}`;
    // Docker cuts it into 16 KiB partial messages; the provider joins them, then splits at the event limit.
    const script = "head -c 600000 /dev/zero | tr '\\0' a; echo; echo after";
    const taskArn = await runTask('logs-long', [
      container('long', script, { logConfiguration: awslogs(group, { 'awslogs-create-group': 'true' }) }),
    ]);
    await waitForTask(bed.ecs, taskArn, isStopped, { timeoutMs: 60_000 });
    const events = await readAll(group, `app/long/${taskIdOf(taskArn)}`);
    expect(events.map((e) => e.message!.length)).toEqual([262_118, 262_118, 600_000 - 2 * 262_118, 5]);
    expect(events.slice(0, 3).every((e) => /^a+$/.test(e.message!))).toBe(true);
    expect(events[3]!.message).toBe('after');
    expect(new Set(events.slice(0, 3).map((e) => e.timestamp)).size).toBe(1);
  }, 90_000);

  test('lines of a running container are visible within a second', async () => {
    const group = `/ecs/live-${bed.prefix}`;
    const taskArn = await runTask('logs-live', [
      container('live', 'echo started; sleep 2; echo later; sleep 60', {
        logConfiguration: awslogs(group, { 'awslogs-create-group': 'true' }),
      }),
    ]);
    await waitForTask(bed.ecs, taskArn, isRunning);
    const stream = `app/live/${taskIdOf(taskArn)}`;
    const deadline = Date.now() + 10_000;
    let seen: string[] = [];
    while (Date.now() < deadline && !seen.includes('later')) {
      seen = (await readAll(group, stream).catch(() => [])).map((e) => e.message!);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const events = await readAll(group, stream);
    const later = events.find((e) => e.message === 'later')!;
    expect(later).toBeDefined();
    // Written at `later.timestamp`; visible within a second of it.
    expect(Date.now() - later.timestamp!).toBeLessThan(1_500);
  });

  test('a missing log group without awslogs-create-group fails the task as ECS does', async () => {
    const taskArn = await runTask('logs-missing', [
      container('app', 'echo hi', { logConfiguration: awslogs('/ecs/does-not-exist') }),
    ]);
    const stopped = await waitForTask(bed.ecs, taskArn, isStopped);
    expect(stopped.stopCode).toBe('TaskFailedToStart');
    expect(stopped.stoppedReason).toBe(
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1',
    );
    expect(stopped.containers?.[0]?.reason).toBe(stopped.stoppedReason);
  });

  test('awslogs-region selects the region of the log group', async () => {
    const group = `/ecs/region-${bed.prefix}`;
    const taskArn = await runTask('logs-region', [
      container('app', 'echo west', {
        logConfiguration: awslogs(group, { 'awslogs-create-group': 'true', 'awslogs-region': 'eu-west-1' }),
      }),
    ]);
    await waitForTask(bed.ecs, taskArn, isStopped);
    const west = new CloudWatchLogsClient({
      endpoint: bed.gw.url,
      region: 'eu-west-1',
      credentials: testCredentials(),
    });
    try {
      const page = await west.send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: `app/app/${taskIdOf(taskArn)}`,
          startFromHead: true,
        }),
      );
      expect(page.events?.map((e) => e.message)).toEqual(['west']);
    } finally {
      west.destroy();
    }
  });
});

describeWithEngine('awslogs without the CloudWatch Logs provider', () => {
  let bed: EcsTestBed;
  beforeAll(async () => {
    bed = await startEcsTestBed({ SERVICES: 'ecs' });
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  test('an awslogs task fails with a reason that says to enable logs', async () => {
    const { taskDefinition } = await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'no-logs',
        networkMode: 'bridge',
        containerDefinitions: [container('app', 'echo hi', { logConfiguration: awslogs('/ecs/x') })],
      }),
    );
    const { tasks } = await bed.ecs.send(
      new RunTaskCommand({ taskDefinition: taskDefinition!.taskDefinitionArn, launchType: 'EC2' }),
    );
    const stopped = await waitForTask(bed.ecs, tasks![0]!.taskArn!, isStopped);
    expect(stopped.stopCode).toBe('TaskFailedToStart');
    expect(stopped.stoppedReason).toMatch(/^ResourceInitializationError: failed to validate logger args: .*SERVICES/);
  });
});
