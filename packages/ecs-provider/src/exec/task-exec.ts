import type { ContainerBackend } from '@localcloud/docker-backend';
import type { Logger } from 'winston';
import type { EcsScope } from '../ecs-scope';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { ExecEndpoint, idleTimeoutFromEnv } from './exec-endpoint';
import { ExecSessions, type ExecTarget } from './exec-sessions';
import { streamUrl } from './stream-url';

export interface TaskExecOptions {
  readonly backend: ContainerBackend;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  /** The gateway's URL once started, for the stream URLs ExecuteCommand hands out. */
  readonly gatewayUrl: () => string | undefined;
}

/** ECS Exec: the sessions ExecuteCommand hands out and their WebSocket data channels on the gateway's port. */
export class TaskExec {
  readonly sessions = new ExecSessions();
  readonly endpoint: ExecEndpoint;
  /** What the ExecuteCommand handler reads (EcsScope's `exec`). */
  readonly forHandlers: NonNullable<EcsScope['exec']>;

  constructor(options: TaskExecOptions) {
    this.endpoint = new ExecEndpoint({
      sessions: this.sessions,
      backend: options.backend,
      logger: options.logger,
      idleTimeoutMs: idleTimeoutFromEnv(options.env),
      stillExecutable: (target) => stillExecutable(options.get(target), target),
    });
    this.forHandlers = {
      sessions: this.sessions,
      streamUrl: (sessionId, host) => streamUrl(sessionId, host, options.gatewayUrl() ?? 'http://127.0.0.1:4566'),
    };
  }
}

/** Whether a session's task still runs with execute command enabled, in the same container. */
function stillExecutable(record: TaskRecord | undefined, target: ExecTarget): boolean {
  const container = record?.containers?.find((c) => c.name === target.containerName);
  return (
    record?.lastStatus === 'RUNNING' &&
    record.enableExecuteCommand === true &&
    container?.lastStatus === 'RUNNING' &&
    container.runtimeId === target.runtimeId
  );
}
