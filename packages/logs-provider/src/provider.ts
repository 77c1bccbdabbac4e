import type { ProviderContext } from '@localcloud/gateway';
import { ModelledProvider, type AccountRegion } from '@localcloud/aws-model';
import { LOGS_MODEL } from './model';
import { LOGS_HANDLERS } from './operations';
import { LogsStore } from './store/logs-store';
import { openStateStore } from './store/state-store';
import { checkLogGroupName, checkLogStreamName } from './validation/constraints';
import { logGroupNotFound } from './errors';
import { requireLogGroup, requireLogStream } from './handlers/lookup';
import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from './limits';
import type { LogsScope } from './logs-scope';
import type { Scope } from './arn';
import type { LogsSink, SinkEvent } from './logs-sink';

export interface LogsProviderOptions {
  /** Milliseconds since the epoch; tests may fix it. */
  readonly clock?: () => number;
}

/**
 * Amazon CloudWatch Logs as a localcloud provider plugin, and the in-process LogsSink other providers
 * deliver log lines through.
 */
export class LogsProvider extends ModelledProvider<LogsStore, LogsScope> implements LogsSink {
  private readonly clock: () => number;

  constructor(context: ProviderContext, options: LogsProviderOptions = {}) {
    super(context, {
      service: { name: 'logs', targetPrefix: 'Logs_20140328', protocol: 'json1.1' },
      model: LOGS_MODEL,
      handlers: LOGS_HANDLERS,
      // CloudWatch Logs answers constraint violations with InvalidParameterException.
      validationErrorCode: 'InvalidParameterException',
    });
    this.clock = options.clock ?? Date.now;
  }

  protected openStore(dir: string | undefined): LogsStore {
    return new LogsStore(openStateStore({ dir }));
  }

  // LogsSink: the in-process API for other providers.

  ensureGroup(scope: Scope, group: string, options: { create: boolean }): void {
    checkLogGroupName('logGroupName', group);
    const logs = this.scopeFor(scope);
    if (logs.store.group(group)) return;
    if (!options.create) throw logGroupNotFound();
    logs.store.createGroup(group, logs.now);
  }

  ensureStream(scope: Scope, group: string, stream: string): void {
    checkLogStreamName('logStreamName', stream);
    const logs = this.scopeFor(scope);
    const logGroup = requireLogGroup(group, logs);
    if (!logGroup.streams.has(stream)) logs.store.createStream(logGroup, stream, logs.now);
  }

  putEvents(scope: Scope, group: string, stream: string, events: readonly SinkEvent[]): void {
    const logs = this.scopeFor(scope);
    const logGroup = requireLogGroup(group, logs);
    const logStream = requireLogStream(logGroup, stream);
    const ordered = events
      .filter((e) => e.message.length > 0)
      .map((e) => ({ timestamp: Math.max(0, Math.trunc(e.timestamp)), message: e.message }))
      .sort((a, b) => a.timestamp - b.timestamp);
    let batch: SinkEvent[] = [];
    let bytes = 0;
    for (const event of ordered) {
      const size = Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD_BYTES;
      if (batch.length > 0 && (batch.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
        logs.store.append(logGroup, logStream, batch, logs.now);
        batch = [];
        bytes = 0;
      }
      batch.push(event);
      bytes += size;
    }
    logs.store.append(logGroup, logStream, batch, logs.now);
  }

  async durable(): Promise<void> {
    await Promise.all([...this.stores.entries()].map(({ store }) => store.durable()));
  }

  protected scopeFor(scope: AccountRegion): LogsScope {
    return {
      scope: { accountId: scope.accountId, region: scope.region },
      store: this.stores.get(scope.accountId, scope.region),
      now: this.clock(),
    };
  }
}
