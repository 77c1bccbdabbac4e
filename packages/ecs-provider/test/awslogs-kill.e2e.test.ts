import { CloudWatchLogsClient, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { TEST_IMAGE, describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { useRestartableGateways } from './restartable-gateways';
import { isStopped, waitForTask } from './support';
import { readAllLogEvents } from './log-events';

const GROUP = '/ecs/kill';
/** Lines the finite container prints: about 10 s of output. */
const LINES = 200;
/** The container sleeps 50 ms after each line, so a second's worth is at most 20 lines. */
const LINES_PER_SECOND_AT_MOST = 20;

describeWithEngine('awslogs across a kill -9 of the gateway', () => {
  const { prefix, docker, ...gateways } = useRestartableGateways('lck', { SERVICES: 'ecs,logs' });

  const start = async () => {
    const gateway = await gateways.start();
    const clients = {
      ecs: new ECSClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() }),
      logs: new CloudWatchLogsClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() }),
    };
    return { gateway, ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
  };

  const readAll = readAllLogEvents;

  /** Runs a task whose container prints `line-0`, `line-1`, … every 50 ms, `count` lines or forever. */
  const runNumbered = async (ecs: ECSClient, family: string, count?: number) => {
    const loop = count === undefined ? 'true' : `[ $i -lt ${count} ]`;
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: 'bridge',
        containerDefinitions: [
          {
            name: 'app',
            image: TEST_IMAGE,
            command: ['sh', '-c', `i=0; while ${loop}; do echo line-$i; i=$((i+1)); sleep 0.05; done`],
            memory: 64,
            stopTimeout: 2,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': GROUP, 'awslogs-stream-prefix': 'p', 'awslogs-create-group': 'true' },
            },
          },
        ],
      }),
    );
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: family, launchType: 'EC2' }));
    const task = tasks![0]!;
    return { taskArn: task.taskArn!, stream: `p/app/${task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1)}` };
  };

  /** Polls the stream until it holds at least `count` events. */
  const waitForEvents = async (logs: CloudWatchLogsClient, stream: string, count: number) => {
    let events: OutputLogEvent[] = [];
    for (let i = 0; i < 600 && events.length < count; i++) {
      events = await readAll(logs, GROUP, stream).catch(() => []);
      if (events.length < count) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(events.length).toBeGreaterThanOrEqual(count);
    return events;
  };

  const kill = async (gateway: Awaited<ReturnType<typeof start>>) => {
    gateway.gateway.child.kill('SIGKILL');
    expect(await gateway.gateway.exited).toBe('SIGKILL');
    gateway.destroy();
  };

  /** Every line-<n> from 0 to the highest seen must be there; returns how many were delivered twice. */
  const checkStream = (messages: string[], atLeast: number) => {
    const counts = new Map<string, number>();
    for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
    const highest = Math.max(...messages.map((m) => Number(m.slice('line-'.length))));
    expect(highest).toBeGreaterThanOrEqual(atLeast - 1);
    const missing = Array.from({ length: highest + 1 }, (_, i) => `line-${i}`).filter((line) => !counts.has(line));
    expect(missing).toEqual([]);
    return messages.length - counts.size;
  };

  it("re-delivers at most about a second of a running container's lines, and loses none", async () => {
    const first = await start();
    const { taskArn, stream } = await runNumbered(first.ecs, 'forever');
    // Mid-stream: well over a second's worth delivered.
    const before = await waitForEvents(first.logs, stream, 80);
    await kill(first);

    const second = await start();
    try {
      // The container kept running: the new gateway follows it again.
      await waitForEvents(second.logs, stream, before.length + 40);
      await second.ecs.send(new StopTaskCommand({ task: taskArn }));
      await waitForTask(second.ecs, taskArn, isStopped, { timeoutMs: 30_000 });
      const messages = (await readAll(second.logs, GROUP, stream)).map((e) => e.message!);
      const duplicated = checkStream(messages, before.length + 40);
      // Reported for docs/ecs-provider.md: how many lines the crash repeated.
      process.stdout.write(`awslogs after kill -9: ${duplicated} duplicated of ${before.length} delivered\n`);
      expect(duplicated).toBeLessThanOrEqual(LINES_PER_SECOND_AT_MOST * 1.5);
    } finally {
      second.destroy();
      second.gateway.child.kill('SIGTERM');
      await second.gateway.exited;
    }
  }, 120_000);

  it('delivers the rest of the output of a container that exited while the gateway was down', async () => {
    const first = await start();
    const { taskArn, stream } = await runNumbered(first.ecs, 'finite', LINES);
    const before = await waitForEvents(first.logs, stream, 40);
    await kill(first);
    const [container] = await docker.listContainers({
      all: true,
      labels: { 'localcloud.ecs.managed': prefix, 'localcloud.ecs.task-arn': taskArn },
    });
    await docker.waitContainer(container!.id);

    const second = await start();
    try {
      await waitForTask(second.ecs, taskArn, isStopped, { timeoutMs: 30_000 });
      const messages = (await readAll(second.logs, GROUP, stream)).map((e) => e.message!);
      const duplicated = checkStream(messages, LINES);
      expect(new Set(messages).size).toBe(LINES);
      expect(duplicated).toBeLessThanOrEqual(LINES_PER_SECOND_AT_MOST * 1.5);
      expect(before.length).toBeLessThan(LINES);
    } finally {
      second.destroy();
      second.gateway.child.kill('SIGTERM');
      await second.gateway.exited;
    }
  }, 120_000);
});
