import type { LogLine, LogPosition } from '@localcloud/docker-backend';
import type { LogsSink } from '@localcloud/logs-provider';
import type { Logger } from 'winston';
import type { LineConsumer } from './container-output';

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
  /** Told the log position after every delivery, to record it (and resume there after a restart). */
  readonly onDelivered?: (position: LogPosition) => void;
  /** Where delivery stood when an earlier shipper of this container stopped. */
  readonly deliveredUpTo?: LogPosition;
}

/** Delivers one container's output lines to CloudWatch Logs in batches, with the engine's timestamps. */
export class AwsLogsShipper implements LineConsumer {
  private pending: { timestamp: number; message: string }[] = [];
  /** The position after the last line in `pending`, per stream. */
  private pendingPosition: { -readonly [K in keyof LogPosition]: LogPosition[K] } = {};
  private delivered: LogPosition;
  private timer?: NodeJS.Timeout;
  private failed = false;

  constructor(
    private readonly sink: LogsSink,
    private readonly target: AwsLogsTarget,
    private readonly logger: Logger,
    private readonly options: ShipperOptions = {},
  ) {
    this.delivered = options.deliveredUpTo ?? {};
  }

  /** How far the log is delivered: the mark of the last line stored, per stream. */
  get position(): LogPosition {
    return this.delivered;
  }

  add(line: LogLine): void {
    this.pending.push({ timestamp: line.timestamp.getTime(), message: line.line });
    if (line.mark) this.pendingPosition[line.stream] = line.mark;
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

  end(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const position = { ...this.delivered, ...this.pendingPosition };
    this.pending = [];
    this.pendingPosition = {};
    if (this.failed) return;
    const { scope, group, stream } = this.target;
    try {
      // Stored (and durable) when it returns, so the position recorded next never runs ahead of the lines.
      this.sink.putEvents(scope, group, stream, batch);
      this.delivered = position;
      this.options.onDelivered?.(position);
    } catch (error) {
      // The group or stream was deleted under a running task: ECS's driver gives up on it too.
      this.failed = true;
      this.logger.warn('awslogs: delivering log events failed; dropping the rest of this container', {
        group,
        stream,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
