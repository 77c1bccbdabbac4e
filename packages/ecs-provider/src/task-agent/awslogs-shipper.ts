import type { ContainerBackend, LogLine } from '@localcloud/docker-backend';
import type { LogsSink } from '@localcloud/logs-provider';
import type { Logger } from 'winston';

/** Where one container's output goes: a CloudWatch Logs stream in an account and region. */
export interface AwsLogsTarget {
  readonly scope: { readonly accountId: string; readonly region: string };
  readonly group: string;
  readonly stream: string;
}

export interface ShipperOptions {
  /** Longest a line waits before it is delivered. */
  readonly flushIntervalMs?: number;
  /** Deliver at once when this many lines are waiting. */
  readonly maxBatchLines?: number;
  /**
   * Resume after a gateway restart: only lines logged after this time (epoch ms), which an earlier
   * shipper already delivered up to.
   */
  readonly after?: number;
}

/**
 * Follows one container's stdout and stderr and delivers every line to CloudWatch Logs in batches, with
 * the engine's timestamps. `done` resolves once the container has exited and its last line is stored:
 * the backend re-reads the finished log, so lines written right before the exit are not lost.
 */
export class AwsLogsShipper {
  readonly done: Promise<void>;
  private pending: { timestamp: number; message: string }[] = [];
  private timer?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private failed = false;
  private delivered: number;

  constructor(
    private readonly backend: ContainerBackend,
    private readonly sink: LogsSink,
    private readonly containerId: string,
    private readonly target: AwsLogsTarget,
    private readonly logger: Logger,
    private readonly options: ShipperOptions = {},
  ) {
    this.delivered = options.after ?? 0;
    this.done = this.run();
  }

  /** Timestamp (epoch ms) of the newest line delivered so far, 0 before the first. */
  get deliveredUpTo(): number {
    return this.delivered;
  }

  /** Stops following (e.g. on provider shutdown) after delivering what was read. */
  cancel(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    try {
      const after = this.options.after;
      const since = after === undefined ? undefined : new Date(after);
      const lines = this.backend.containerLogs(this.containerId, { follow: true, since, signal: this.abort.signal });
      for await (const line of lines) {
        // The engine's `since` has second precision: drop what the previous shipper already delivered.
        if (after === undefined || line.timestamp.getTime() > after) this.add(line);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) {
        this.logger.warn('awslogs: following container output failed', {
          container: this.containerId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    } finally {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    }
  }

  private add(line: LogLine): void {
    this.pending.push({ timestamp: line.timestamp.getTime(), message: line.line });
    if (this.pending.length >= (this.options.maxBatchLines ?? 5000)) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.options.flushIntervalMs ?? 150);
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    if (this.failed) return;
    const { scope, group, stream } = this.target;
    try {
      this.sink.putEvents(scope, group, stream, batch);
      this.delivered = Math.max(this.delivered, ...batch.map((event) => event.timestamp));
    } catch (error) {
      // The group or stream was deleted under a running task: ECS's driver gives up on it too.
      this.failed = true;
      this.logger.warn('awslogs: delivering log events failed; dropping the rest of this container', {
        container: this.containerId,
        group,
        stream,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
