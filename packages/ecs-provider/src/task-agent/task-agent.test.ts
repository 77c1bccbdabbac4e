import type { ContainerBackend } from '@localcloud/docker-backend';
import type { LogsSink } from '@localcloud/logs-provider';
import { openStateStore } from '@localcloud/persistence';
import { createLogger } from '@localcloud/gateway';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { LogPositions, type LogPositionRecord } from './log-positions';
import { TaskAgent } from './task-agent';

const ref: TaskRef = { accountId: '000000000000', region: 'us-east-1', taskArn: 'arn:aws:ecs:us-east-1:0:task/c/t1' };

/** A task whose `app` container ships to awslogs, and an agent over a backend that only counts attaches. */
function agentWith(logsSink: () => Promise<LogsSink | undefined>) {
  const record = {
    ...ref,
    clusterArn: 'arn:aws:ecs:us-east-1:0:cluster/c',
    runtime: {
      agent: {
        networkMode: 'bridge',
        metadataTokens: { app: 'token' },
        logConfigurations: { app: { driver: 'awslogs', options: { 'awslogs-group': 'g' } } },
      },
    },
  } as unknown as TaskRecord;
  const attachOutput = jest.fn(async () => undefined);
  const backend = { attachOutput } as unknown as ContainerBackend;
  const state = openStateStore({});
  const logger = createLogger('error');
  const agent = new TaskAgent({
    backend,
    logger,
    get: () => record,
    mutate: () => undefined,
    logsSink,
    endpoint: () => undefined,
    logPositions: new LogPositions(state, state.table<LogPositionRecord>('logPositions'), 1_000, logger),
  });
  return { agent, attachOutput };
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
