import type { ProviderContext } from '@localcloud/gateway';
import { ModelledProvider, type AccountRegion } from '@localcloud/aws-model';
import { LOGS_MODEL } from './model';
import { LOGS_HANDLERS } from './operations';
import { openLogsStore, type LogsStore } from './store/logs-store';
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
    return openLogsStore(dir);
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
    // A shipper's events are usually already what the store takes (sorted whole milliseconds, no empty
    // message): then they are not copied.
    const ordered = isStorable(events)
      ? events
      : events
          .filter((e) => e.message.length > 0)
          .map((e) => ({ timestamp: Math.max(0, Math.trunc(e.timestamp)), message: e.message }))
          .sort((a, b) => a.timestamp - b.timestamp);
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < ordered.length; i++) {
      const size = Buffer.byteLength(ordered[i]!.message, 'utf8') + EVENT_OVERHEAD_BYTES;
      if (i > start && (i - start >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
        const batch = ordered.slice(start, i);
        logs.store.append(logGroup, logStream, batch, logs.now, bytes - batch.length * EVENT_OVERHEAD_BYTES);
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    const batch = start === 0 ? ordered : ordered.slice(start);
    logs.store.append(logGroup, logStream, batch, logs.now, bytes - batch.length * EVENT_OVERHEAD_BYTES);
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

/** Whether events need no filtering, rounding or sorting before they are stored. */
function isStorable(events: readonly SinkEvent[]): boolean {
  let previous = 0;
  for (const event of events) {
    if (event.message.length === 0 || !Number.isInteger(event.timestamp) || event.timestamp < previous) return false;
    previous = event.timestamp;
  }
  return true;
}
