import type { ContainerBackend, LineCountMark, LogLine, LogMark, LogPosition } from '@localcloud/docker-backend';
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
   * log only if the attach stream fails before the output ends. `abort` closes it.
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
 * on, by line count) when the attach stream fails early, and for containers found running after a
 * restart. A follow re-reads the finished log at its end, so lines written right before the exit are not
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

  private handOn(lines: readonly LogLine[]): void {
    for (const consumer of this.consumers) consumer.add(lines);
  }

  /**
   * Hands on the attach stream's lines until it ends ('ended': the container's output is complete) or
   * fails; then returns the position of the lines handed on, for the log to continue after.
   */
  private async readAttached(batches: AsyncIterable<readonly LogLine[]>): Promise<'ended' | LogPosition> {
    const position: { stdout?: LogMark | LineCountMark; stderr?: LogMark | LineCountMark } = {};
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
      return 'ended';
    } catch (error) {
      if (!this.abort.signal.aborted) {
        this.logger.warn('the attached container output failed; reading the rest from its log', {
          container: this.containerId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      // No line handed on yet: the log from its start, counted, so that what follows is counted too.
      return position.stdout || position.stderr ? position : { stdout: { lines: 0, at: 0 } };
    }
  }
}
