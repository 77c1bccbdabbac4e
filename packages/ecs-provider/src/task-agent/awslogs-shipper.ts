import type { LogLine, LogPosition } from '@localcloud/docker-backend';
import type { LogsSink, SinkEvent } from '@localcloud/logs-provider';
import type { Logger } from 'winston';
import type { LineConsumer } from './container-output';

/**
 * CloudWatch Logs takes events of up to 256 KiB including 26 bytes of overhead; Docker's awslogs driver
 * (which ECS uses) splits a longer line into several events of this many UTF-8 bytes, same timestamp.
 */
export const MAX_EVENT_BYTES = 262_144 - 26;

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
  /**
   * The lines waiting for delivery, as columns. They wait up to 150 ms, long enough to outlive a scavenge
   * or two: an object per line held here was copied by each and then promoted, garbage for the old
   * generation's collector; a number array holds the times unboxed, so only the messages are left to copy.
   * The events handed to the sink are made at delivery, and die young.
   */
  private pendingTimes: number[] = [];
  private pendingMessages: string[] = [];
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

  add(lines: readonly LogLine[]): void {
    for (const line of lines) {
      const timestamp = line.timestamp.getTime();
      // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: only a long line needs measuring.
      if (line.line.length * 3 <= MAX_EVENT_BYTES) {
        this.pendingTimes.push(timestamp);
        this.pendingMessages.push(line.line);
      } else {
        for (const message of splitEvent(line.line)) {
          this.pendingTimes.push(timestamp);
          this.pendingMessages.push(message);
        }
      }
      if (line.mark) this.pendingPosition[line.stream] = line.mark;
    }
    if (this.pendingTimes.length >= (this.options.maxBatchLines ?? 5000)) {
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
    if (this.pendingTimes.length === 0) return;
    const times = this.pendingTimes;
    const messages = this.pendingMessages;
    const position = { ...this.delivered, ...this.pendingPosition };
    this.pendingTimes = [];
    this.pendingMessages = [];
    this.pendingPosition = {};
    if (this.failed) return;
    const batch = new Array<SinkEvent>(times.length);
    for (let i = 0; i < times.length; i++) batch[i] = { timestamp: times[i]!, message: messages[i]! };
    const { scope, group, stream } = this.target;
    try {
      // Stored when it returns; LogPositions writes the position only once these lines are durable.
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

/**
 * A line cut into pieces of at most MAX_EVENT_BYTES UTF-8 bytes, never inside a character, as Docker's
 * awslogs driver does (it counts invalid UTF-8 as the 3-byte replacement character, which is what the
 * decoded line holds).
 */
export function splitEvent(line: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < line.length;) {
    const code = line.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > MAX_EVENT_BYTES) {
      pieces.push(line.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  pieces.push(line.slice(start));
  return pieces;
}
