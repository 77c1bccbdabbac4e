import { CloudWatchLogsClient, GetLogEventsCommand, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { TEST_IMAGE, describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { useRestartableGateways } from './restartable-gateways';
import { isStopped, removePrefixContainers, startEcsTestBed, waitForTask } from './support';
import { readAllLogEvents } from './log-events';

/**
 * awslogs' live source is the container's attach stream, opened before the start; the json-file log is
 * read only where attach cannot serve (a restart, a lost stream). These tests check both halves: every
 * line once and in order from a fast buffered writer, and the same across a gateway restart.
 */

/** awk writes through stdio's buffer, as most programs do when their output is a pipe. */
const awkLines = (count: number, pauseEvery?: number) =>
  `awk 'BEGIN { for (i = 0; i < ${count}; i++) { print "line-" i; ${
    pauseEvery ? `if (i % ${pauseEvery} == ${pauseEvery - 1}) system("sleep 0.2")` : ''
  } } }'`;

const readAll = readAllLogEvents;

const runAwslogsTask = async (ecs: ECSClient, family: string, group: string, script: string) => {
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'bridge',
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
  const { tasks, failures } = await ecs.send(new RunTaskCommand({ taskDefinition: family, launchType: 'EC2' }));
  expect(failures).toEqual([]);
  const taskArn = tasks![0]!.taskArn!;
  return { taskArn, stream: `p/app/${taskArn.slice(taskArn.lastIndexOf('/') + 1)}` };
};

/** The messages must be line-0 … line-(count-1), each once, in that order; times never go back. */
const expectEveryLineOnceInOrder = (events: OutputLogEvent[], count: number) => {
  const messages = events.map((e) => e.message!);
  const firstWrong = messages.findIndex((m, i) => m !== `line-${i}`);
  expect({ firstWrong, length: messages.length }).toEqual({ firstWrong: -1, length: count });
  const wentBack = events.findIndex((e, i) => i > 0 && e.timestamp! < events[i - 1]!.timestamp!);
  expect(wentBack).toBe(-1);
};

describeWithEngine('awslogs read live from the attach stream', () => {
  const count = 100_000;

  test('a buffered writer of 100,000 lines: every line once, in order, stamped when read; no log follow', async () => {
    const attach = jest.spyOn(DockerodeBackend.prototype, 'attachOutput');
    const follow = jest.spyOn(DockerodeBackend.prototype, 'containerLogBatches');
    const bed = await startEcsTestBed({ SERVICES: 'ecs,logs' });
    const logs = new CloudWatchLogsClient({
      endpoint: bed.gw.url,
      region: 'us-east-1',
      credentials: testCredentials(),
    });
    try {
      const group = `/ecs/attach-${bed.prefix}`;
      const before = Date.now();
      const { taskArn, stream } = await runAwslogsTask(bed.ecs, 'attach-burst', group, awkLines(count));
      await waitForTask(bed.ecs, taskArn, isStopped, { timeoutMs: 90_000 });
      const after = Date.now();
      const events = await readAll(logs, group, stream);
      expectEveryLineOnceInOrder(events, count);
      // Stamped by the gateway as it read them: between RunTask and STOPPED.
      expect(events[0]!.timestamp!).toBeGreaterThanOrEqual(before);
      expect(events.at(-1)!.timestamp!).toBeLessThanOrEqual(after);
      // The attach stream was the source; the json-file log was not followed.
      expect(attach).toHaveBeenCalledTimes(1);
      expect(follow).not.toHaveBeenCalled();
    } finally {
      attach.mockRestore();
      follow.mockRestore();
      logs.destroy();
      await bed.close();
      await removePrefixContainers(bed.docker, bed.prefix);
    }
  }, 150_000);
});

describeWithEngine('awslogs from the attach stream across a gateway restart (PERSISTENCE=1)', () => {
  const gateways = useRestartableGateways('lca', { SERVICES: 'ecs,logs' });

  const start = async () => {
    const gateway = await gateways.start();
    const ecs = new ECSClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
    const logs = new CloudWatchLogsClient({
      endpoint: gateway.url,
      region: 'us-east-1',
      credentials: testCredentials(),
    });
    return { gateway, ecs, logs, destroy: () => [ecs, logs].forEach((c) => c.destroy()) };
  };

  test('a restart mid-output: the new gateway continues from the log after the delivered lines, none lost or doubled', async () => {
    const group = '/ecs/attach-restart';
    // 60,000 lines in bursts of 1,000 every ~0.2 s: about 12 s of output, running across the restart.
    const lines = 60_000;
    const first = await start();
    const { taskArn, stream } = await runAwslogsTask(first.ecs, 'attach-restart', group, awkLines(lines, 1000));
    // How many lines are delivered: the newest event's number, plus one.
    const newest = async () => {
      const page = await first.logs
        .send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 1 }))
        .catch(() => undefined);
      const message = page?.events?.[0]?.message;
      return message ? Number(message.slice('line-'.length)) + 1 : 0;
    };
    let delivered = 0;
    for (let i = 0; i < 1200 && delivered < 4000; i++) {
      delivered = await newest();
      if (delivered < 4000) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(delivered).toBeGreaterThanOrEqual(4000);
    first.destroy();
    first.gateway.child.kill('SIGTERM');
    // A graceful stop: it delivers what it read and records how far before it exits.
    await first.gateway.exited;

    const second = await start();
    try {
      await waitForTask(second.ecs, taskArn, isStopped, { timeoutMs: 60_000 });
      const events = await readAll(second.logs, group, stream);
      // The first gateway had not seen them all (the restart fell inside the output) …
      expect(delivered).toBeLessThan(lines);
      // … and the second delivered exactly the rest.
      expectEveryLineOnceInOrder(events, lines);
    } finally {
      second.destroy();
      second.gateway.child.kill('SIGTERM');
      await second.gateway.exited;
    }
  }, 240_000);
});
