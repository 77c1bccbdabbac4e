import type { ContainerBackend } from '@localcloud/docker-backend';
import type { LogsSink } from '@localcloud/logs-provider';
import { openStateStore } from '@localcloud/persistence';
import { createLogger } from '@localcloud/gateway';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { LogPositions, type LogPositionRecord } from './log-positions';
import type { TaskConsole } from './console-output';
import { TaskAgent } from './task-agent';

const ref: TaskRef = { accountId: '000000000000', region: 'us-east-1', taskArn: 'arn:aws:ecs:us-east-1:0:task/c/t1' };

/** A task whose `app` container ships to awslogs, and an agent over a backend that only counts attaches. */
function agentWith(logsSink: () => Promise<LogsSink | undefined>, options: { console?: boolean } = {}) {
  const record = {
    ...ref,
    clusterArn: 'arn:aws:ecs:us-east-1:0:cluster/c',
    runtime: {
      containers: [{ name: 'app', dockerName: 'ecs-app-1' }],
      agent: {
        networkMode: 'bridge',
        metadataTokens: { app: 'token' },
        logConfigurations: { app: { driver: 'awslogs', options: { 'awslogs-group': 'g' } } },
      },
    },
  } as unknown as TaskRecord;
  const attachOutput = jest.fn(async () => undefined);
  const containerLogBatches = jest.fn(async function* (_id: string, _options: unknown): AsyncGenerator<never> {});
  const backend = { attachOutput, containerLogBatches } as unknown as ContainerBackend;
  const state = openStateStore({});
  const logger = createLogger('error');
  const positions = new LogPositions(state, state.table<LogPositionRecord>('logPositions'), 1_000, logger);
  const consumer = { add: () => undefined, end: () => undefined };
  const taskConsole = options.console
    ? { console: { consumer: () => consumer } as unknown as TaskConsole, containerPrefix: 'ecs-' }
    : undefined;
  const agent = new TaskAgent({
    backend,
    logger,
    get: () => record,
    mutate: () => undefined,
    logsSink,
    endpoint: () => undefined,
    logPositions: positions,
    taskConsole,
  });
  return { agent, attachOutput, containerLogBatches, positions };
}

describe('TaskAgent.beforeStart', () => {
  it('does not attach to an awslogs container when CloudWatch Logs is not enabled (and no console)', async () => {
    const logsSink = jest.fn(async () => undefined);
    const { agent, attachOutput } = agentWith(logsSink);
    await agent.beforeStart(ref, 'runtime-1', 'app');
    expect(attachOutput).not.toHaveBeenCalled();
    // The sink `beforeCreate` loaded is used: no extra lookup per container start.
    expect(logsSink).not.toHaveBeenCalled();
  });

  it('attaches to an awslogs container once the Logs provider was loaded', async () => {
    const sink = {} as LogsSink;
    const logsSink = jest.fn(async () => sink);
    const { agent, attachOutput } = agentWith(logsSink);
    await agent.loadLogsSink();
    await agent.beforeStart(ref, 'runtime-1', 'app');
    expect(attachOutput).toHaveBeenCalledTimes(1);
    expect(logsSink).toHaveBeenCalledTimes(1);
  });
});

describe('TaskAgent.resumed', () => {
  it('prints a re-adopted container without awslogs from now on, ignoring its stored line counts', async () => {
    const { agent, containerLogBatches, positions } = agentWith(async () => undefined, { console: true });
    positions.update(ref.taskArn, 'app', { stdout: { lines: 5, at: Date.now() } });
    agent.resumed(ref, 'runtime-1', 'app');
    await agent.close();
    expect(containerLogBatches).toHaveBeenCalledTimes(1);
    const options = containerLogBatches.mock.calls[0]![1] as { after?: unknown; since?: Date };
    // Line counts would make the log be read from its start (and `since` be ignored): old output again.
    expect(options.after).toBeUndefined();
    expect(options.since).toBeInstanceOf(Date);
  });
});
