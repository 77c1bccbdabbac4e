import type { Scope } from './arn';

/** One line for a log stream: when it happened (ms since the epoch) and its text. */
export interface SinkEvent {
  readonly timestamp: number;
  readonly message: string;
}

/**
 * The in-process way into CloudWatch Logs, for other providers (ECS's awslogs log driver) that deliver log
 * lines without an HTTP round trip. Calls are synchronous: when one returns, the events are stored and
 * visible to GetLogEvents and FilterLogEvents; with persistence on they are durable once `durable()` resolves
 * (the store's group commit).
 */
export interface LogsSink {
  /**
   * Makes sure the log group exists: creates it when `create` is set (like `awslogs-create-group`), else
   * throws ResourceNotFoundException ("The specified log group does not exist.") when it is missing.
   * Throws InvalidParameterException for a name CloudWatch Logs would refuse.
   */
  ensureGroup(scope: Scope, group: string, options: { create: boolean }): void;
  /** Creates the stream if it does not exist; the group must exist. */
  ensureStream(scope: Scope, group: string, stream: string): void;
  /**
   * Appends events to a stream. Unlike PutLogEvents there are no batch limits and no ordering rule: any
   * number of events in any order, stored in timestamp order (ties keep their order), split into batches
   * internally; none are rejected for their age. Empty messages are skipped (CloudWatch Logs refuses them).
   */
  putEvents(scope: Scope, group: string, stream: string, events: readonly SinkEvent[]): void;
  /** Resolves once every event put so far, in every account and region, is durable (at once without persistence). */
  durable(): Promise<void>;
}

/** Whether a provider (e.g. one found by service name) offers the LogsSink API. */
export function isLogsSink(value: unknown): value is LogsSink {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['ensureGroup', 'ensureStream', 'putEvents', 'durable'].every(
    (method) => typeof candidate[method] === 'function',
  );
}
