import { CloudWatchLogsClient, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { TEST_IMAGE, describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { useRestartableGateways } from './restartable-gateways';
import { isStopped, waitForTask } from './support';
import { readAllLogEvents } from './log-events';

const GROUP = '/ecs/shutdown';

/**
 * The gateway stops ECS before CloudWatch Logs (plugin/stop-order.ts): ECS loads Logs on its first awslogs
 * task, so Logs started last, and newest-first would stop it first and drop ECS's last batches.
 */
describeWithEngine('awslogs across a SIGTERM of the gateway', () => {
  const gateways = useRestartableGateways('lcs', { SERVICES: 'ecs,logs' });

  const start = async () => {
    // Lazy loading as users run it: ECS at boot, Logs on ECS's first lookup (at the first start only).
    const gateway = await gateways.start();
    const clients = {
      ecs: new ECSClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() }),
      logs: new CloudWatchLogsClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() }),
    };
    return { gateway, ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
  };

  const readAll = (logs: CloudWatchLogsClient, stream: string) => readAllLogEvents(logs, GROUP, stream);

  const waitForEvents = async (logs: CloudWatchLogsClient, stream: string, count: number) => {
    let events: OutputLogEvent[] = [];
    for (let i = 0; i < 600 && events.length < count; i++) {
      events = await readAll(logs, stream).catch(() => []);
      if (events.length < count) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(events.length).toBeGreaterThanOrEqual(count);
    return events;
  };

  it('delivers the lines a container writes while the gateway stops: none missing after the restart', async () => {
    const first = await start();
    await first.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'writer',
        networkMode: 'bridge',
        containerDefinitions: [
          {
            name: 'app',
            image: TEST_IMAGE,
            // Writing all along the shutdown: ECS's stop ships what it read last.
            command: ['sh', '-c', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.02; done'],
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
    const { tasks } = await first.ecs.send(new RunTaskCommand({ taskDefinition: 'writer', launchType: 'EC2' }));
    const taskArn = tasks![0]!.taskArn!;
    const stream = `p/app/${taskArn.slice(taskArn.lastIndexOf('/') + 1)}`;
    await waitForEvents(first.logs, stream, 50);
    first.destroy();
    first.gateway.child.kill('SIGTERM');
    expect(await first.gateway.exited).toBe(null);
    // Logs took every batch ECS shipped while it stopped (stopped first, Logs refused them as "closed", and
    // only the restart's re-reading of the container log hid the loss below).
    expect(first.gateway.stderr()).not.toMatch(/delivering log events failed|is closed|failed to stop/);

    const second = await start();
    try {
      const resumed = await waitForEvents(second.logs, stream, 1);
      await waitForEvents(second.logs, stream, resumed.length + 50);
      await second.ecs.send(new StopTaskCommand({ task: taskArn }));
      await waitForTask(second.ecs, taskArn, isStopped, { timeoutMs: 30_000 });
      const messages = (await readAll(second.logs, stream)).map((e) => e.message!);
      const highest = Math.max(...messages.map((m) => Number(m.slice('line-'.length))));
      const seen = new Set(messages);
      const missing = Array.from({ length: highest + 1 }, (_, i) => `line-${i}`).filter((line) => !seen.has(line));
      expect(missing).toEqual([]);
      // A clean stop records how far it delivered: nothing is delivered twice.
      expect(messages.length).toBe(seen.size);
    } finally {
      second.destroy();
      second.gateway.child.kill('SIGTERM');
      await second.gateway.exited;
    }
  }, 120_000);
});
