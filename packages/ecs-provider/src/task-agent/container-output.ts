import {
  ContainerNotFoundError,
  type ContainerBackend,
  type LineCountMark,
  type LogLine,
  type LogMark,
  type LogPosition,
} from '@localcloud/docker-backend';
import type { Logger } from 'winston';

/** Something that takes a container's output, a batch of lines at a time: the awslogs shipper, the console. */
export interface LineConsumer {
  add(lines: readonly LogLine[]): void;
  /** The output ended (the container exited, or following was cancelled): deliver what is held. */
  end(): void;
}

export interface FollowFrom {
  /** Resume after a position an earlier follower recorded (awslogs across a gateway restart). */
  readonly after?: LogPosition;
  /** Only lines logged from this time on. */
  readonly since?: Date;
  /** Whether the container has a TTY, when known (spares the engine an inspect). */
  readonly tty?: boolean;
  /**
   * The container's output attached before it started (`attachOutput`): read live from it, and from the
   * log only if the attach stream fails, or ends while the container still runs. `abort` closes it.
   */
  readonly attached?: { readonly batches: AsyncIterable<readonly LogLine[]>; readonly abort: () => void };
}

/**
 * Follows one container's stdout and stderr once and hands every line to each consumer, so awslogs and
 * the console share one engine stream. `done` resolves once the container has exited and its last line
 * was handed on, or after `cancel()`.
 *
 * Live output comes from the attach stream when one was opened before the start (the engine hands it
 * over as the container writes, many lines per read, where its log follow sends one line per read).
 * The json-file log stays the record: a follow of it (resumed after the lines the attach stream handed
 * on, by line count) when the attach stream fails or ends before the container's output does (the
 * engine ended its copy of the stream, a socket hiccup: the container runs on), and for containers found
 * running after a restart. A follow re-reads the finished log at its end, so lines written right before the exit are not
 * lost.
 */
export class ContainerOutputFollower {
  readonly done: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    private readonly backend: ContainerBackend,
    private readonly containerId: string,
    private readonly consumers: readonly LineConsumer[],
    private readonly logger: Logger,
    private readonly from: FollowFrom = {},
  ) {
    this.done = this.run();
  }

  /** Stops following (e.g. on provider shutdown) after handing on what was read. */
  cancel(): void {
    this.abort.abort();
    this.from.attached?.abort();
  }

  private async run(): Promise<void> {
    try {
      let after = this.from.after;
      if (this.from.attached) {
        const handed = await this.readAttached(this.from.attached.batches);
        if (handed === 'ended' || this.abort.signal.aborted) return;
        // Lost before the output ended: the rest from the log, after the lines already handed on.
        after = handed;
      }
      const batches = this.backend.containerLogBatches(this.containerId, {
        follow: true,
        after,
        since: this.from.since,
        tty: this.from.tty,
        signal: this.abort.signal,
        // A rotated log (or dropped lines): delivery goes on by time; lines may repeat or go missing.
        onPositionMismatch: (stream, reason) =>
          this.logger.warn('the container log no longer matches the position delivered; resuming by time', {
            container: this.containerId,
            stream,
            reason,
          }),
      });
      for await (const lines of batches) this.handOn(lines);
    } catch (error) {
      if (!this.abort.signal.aborted) {
        this.logger.warn('following container output failed', {
          container: this.containerId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    } finally {
      for (const consumer of this.consumers) consumer.end();
    }
  }

  /**
   * One consumer's failure is its own: it is logged and reading goes on, so the source is not given up
   * (re-reading the log would hand the batch again to the consumers that took it).
   */
  private handOn(lines: readonly LogLine[]): void {
    for (const consumer of this.consumers) {
      try {
        consumer.add(lines);
      } catch (error) {
        this.logger.warn('a consumer of container output failed on a batch; its lines are lost to it', {
          container: this.containerId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /**
   * Hands on the attach stream's lines until it ends with the container's output ('ended'), or fails or
   * ends before it; then returns the position of the lines handed on, for the log to continue after.
   */
  private async readAttached(batches: AsyncIterable<readonly LogLine[]>): Promise<'ended' | LogPosition> {
    const position: { stdout?: LogMark | LineCountMark; stderr?: LogMark | LineCountMark } = {};
    // No line handed on yet: the log from its start, counted, so that what follows is counted too.
    const handedOn = (): LogPosition =>
      position.stdout || position.stderr ? position : { stdout: { lines: 0, at: 0 } };
    try {
      for await (const lines of batches) {
        // The last mark of each stream in the batch (the splitter marks each read's last line per stream).
        let stdout = false;
        let stderr = false;
        for (let i = lines.length - 1; i >= 0 && !(stdout && stderr); i--) {
          const { stream, mark } = lines[i]!;
          if (!mark || (stream === 'stdout' ? stdout : stderr)) continue;
          position[stream] = mark;
          if (stream === 'stdout') stdout = true;
          else stderr = true;
        }
        this.handOn(lines);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) {
        this.logger.warn('the attached container output failed; reading the rest from its log', {
          container: this.containerId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return handedOn();
    }
    if (this.abort.signal.aborted || (await this.outputEnded(new Date()))) return 'ended';
    this.logger.warn('the attached container output ended while the container runs; reading the rest from its log', {
      container: this.containerId,
    });
    return handedOn();
  }

  /**
   * Whether an attach stream that ended at `endedAt` ended with the container's output: the engine closes
   * it when the container exits, but also drops it on its own (a socket hiccup) while the container runs.
   * A container that finished after the stream ended exited in between: what it wrote meanwhile is only in
   * its log too. A container that is gone wrote nothing more; an engine that cannot tell is asked by the
   * log read, which reports its own failure.
   */
  private async outputEnded(endedAt: Date): Promise<boolean> {
    try {
      const { state } = await this.backend.inspectContainer(this.containerId);
      return !state.running && (state.finishedAt === undefined || state.finishedAt <= endedAt);
    } catch (error) {
      return error instanceof ContainerNotFoundError;
    }
  }
}
