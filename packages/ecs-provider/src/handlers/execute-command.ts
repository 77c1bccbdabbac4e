import { truncateText, quoted } from '@localcloud/gateway';
import type { ExecuteCommandRequest, ExecuteCommandResponse } from '@aws-sdk/client-ecs';
import type { RequestContext } from '@localcloud/gateway';
import type { EcsScope } from '../ecs-scope';
import { parseArn } from '../arn';
import { InvalidParameterException, ServerException, TargetNotConnectedException } from '../errors';
import { splitCommandLine } from '../exec/command-line';
import type { TaskRecord } from '../runtime/task-record';
import { resolveCluster } from './resolve-cluster';

/** ECS's answer when the task's ExecuteCommandAgent is not running: not enabled, or the task not RUNNING. */
export const EXEC_NOT_ENABLED_MESSAGE =
  "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.";

/**
 * ExecuteCommand: checks the task and container as ECS does and hands out a session (id, one-time
 * token, stream URL) for the data channel endpoint, which runs the command (`src/exec/`).
 */
export function executeCommand(
  input: ExecuteCommandRequest,
  ecs: EcsScope,
  context?: RequestContext,
): ExecuteCommandResponse {
  if (!input.interactive) throw new InvalidParameterException('Interactive is the only mode supported currently.');
  if (!input.task) throw new InvalidParameterException('task must be specified.');
  if (!input.command?.trim()) throw new InvalidParameterException('command must be specified.');
  const command = splitCommandLine(input.command);
  if (!command?.length) throw new InvalidParameterException(`The command is not valid: ${truncateText(input.command)}`);
  if (!ecs.exec) throw new ServerException('ECS Exec is not available in this localcloud.');
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const record = findTask(ecs, cluster.clusterName, input.task);
  if (!record) throw new InvalidParameterException('The task provided in the request was not found.');
  if (!record.enableExecuteCommand || record.lastStatus !== 'RUNNING') {
    throw new InvalidParameterException(EXEC_NOT_ENABLED_MESSAGE);
  }
  const containers = record.containers ?? [];
  if (!input.container && containers.length > 1) {
    throw new InvalidParameterException(
      'The task has more than one container: specify the container to execute the command on.',
    );
  }
  const container = input.container ? containers.find((c) => c.name === input.container) : containers[0];
  if (!container) {
    throw new InvalidParameterException(`The container ${quoted(input.container ?? '')} does not exist in the task.`);
  }
  if (container.lastStatus !== 'RUNNING' || !container.runtimeId) {
    throw new TargetNotConnectedException(
      `The execute command failed because the container ${container.name} is not running.`,
    );
  }
  const { sessionId, tokenValue } = ecs.exec.sessions.create({
    accountId: record.accountId,
    region: record.region,
    clusterArn: record.clusterArn,
    taskArn: record.taskArn,
    containerName: container.name!,
    containerArn: container.containerArn,
    runtimeId: container.runtimeId,
    command,
  });
  return {
    clusterArn: record.clusterArn,
    containerArn: container.containerArn,
    containerName: container.name,
    interactive: true,
    taskArn: record.taskArn,
    session: { sessionId, streamUrl: ecs.exec.streamUrl(sessionId, context?.host), tokenValue },
  };
}

function findTask(ecs: EcsScope, clusterName: string, ref: string): TaskRecord | undefined {
  const parsed = parseArn(ref);
  const id = parsed ? parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1) : ref;
  return ecs.tasks.byId(clusterName, id);
}
