import type http from 'node:http';
import type { Failure, ProtectedTask } from '@aws-sdk/client-ecs';
import { protectedTaskView, protectionFailure, protectionMinutes } from '../domain/task-protection';
import type { TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import { applyTaskProtection } from '../handlers/task-protection';

/*
 * The ECS agent's API for code inside a task, at `$ECS_AGENT_URI` (`/api/<container token>`): task scale-in
 * protection at `/task-protection/v1/state`, GET and PUT, answered as the agent answers them
 * (`{"protection": …}`, `{"failure": …}` or `{"error": …}` with the fields' Go names).
 */

const STATE_PATH = /^\/task-protection\/v1\/state\/?$/;
const MAX_BODY_BYTES = 64 * 1024;

export class TaskProtectionEndpoint {
  constructor(private readonly runtime: Pick<TaskRuntime, 'mutate'>) {}

  /** `path` is what follows `/api/<token>`; `task` the token's task, if any. */
  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    task: TaskRecord | undefined,
  ): Promise<void> {
    if (!STATE_PATH.test(path))
      return send(res, 404, { error: { Code: 'NotFound', Message: 'no such agent API path' } });
    if (req.method !== 'GET' && req.method !== 'PUT') {
      res.setHeader('allow', 'GET, PUT');
      return send(res, 405, { error: { Code: 'MethodNotAllowed', Message: `${req.method} is not allowed here` } });
    }
    const body = req.method === 'PUT' ? await readBody(req) : undefined;
    if (!task) {
      return send(res, 404, {
        error: { Code: 'ResourceNotFoundException', Message: 'Failed to find a task for the request' },
      });
    }
    if (req.method === 'GET') {
      const failure = protectionFailure(task.taskArn, task);
      return failure
        ? send(res, 200, { failure: agentFailure(failure) })
        : send(res, 200, { protection: agentProtection(protectedTaskView(task, Date.now())) });
    }
    const request = decode(body);
    if (!request) {
      return send(res, 400, {
        error: { Code: 'InvalidParameterException', Message: 'UpdateTaskProtection: failed to decode request' },
      });
    }
    if (typeof request.ProtectionEnabled !== 'boolean') {
      return send(res, 400, {
        error: {
          Arn: task.taskArn,
          Code: 'InvalidParameterException',
          Message: "Invalid request: does not contain 'ProtectionEnabled' field",
        },
      });
    }
    try {
      if (request.ProtectionEnabled) protectionMinutes(request.ExpiresInMinutes);
    } catch (error) {
      return send(res, 400, {
        error: { Arn: task.taskArn, Code: 'InvalidParameterException', Message: (error as Error).message },
      });
    }
    const result = applyTaskProtection(
      this.runtime,
      task,
      task.taskArn,
      request.ProtectionEnabled,
      request.ExpiresInMinutes,
    );
    return 'failure' in result
      ? send(res, 200, { failure: agentFailure(result.failure) })
      : send(res, 200, { protection: agentProtection(result.protection) });
  }
}

interface AgentRequest {
  ProtectionEnabled?: unknown;
  ExpiresInMinutes?: number;
}

/** The agent decodes strictly: JSON, an object, only its two fields, ExpiresInMinutes a number. */
function decode(body: string | undefined): AgentRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.some((k) => k !== 'ProtectionEnabled' && k !== 'ExpiresInMinutes')) return undefined;
  const request = value as AgentRequest;
  if (
    request.ExpiresInMinutes !== undefined &&
    request.ExpiresInMinutes !== null &&
    typeof request.ExpiresInMinutes !== 'number'
  ) {
    return undefined;
  }
  return { ProtectionEnabled: request.ProtectionEnabled, ExpiresInMinutes: request.ExpiresInMinutes ?? undefined };
}

function agentProtection(protection: ProtectedTask) {
  return {
    ExpirationDate: protection.expirationDate ? protection.expirationDate.toISOString() : null,
    ProtectionEnabled: protection.protectionEnabled ?? false,
    TaskArn: protection.taskArn ?? null,
  };
}

function agentFailure(failure: Failure) {
  return { Arn: failure.arn ?? null, Detail: failure.detail ?? null, Reason: failure.reason ?? null };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
