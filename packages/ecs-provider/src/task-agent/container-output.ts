import type { ContainerBackend, LogLine, LogPosition } from '@localcloud/docker-backend';
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
}

/**
 * Follows one container's stdout and stderr once and hands every line to each consumer, so awslogs and
 * the console share one engine stream. `done` resolves once the container has exited and its last line
 * was handed on (the backend re-reads the finished log, so lines written right before the exit are not
 * lost), or after `cancel()`.
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
  }

  private async run(): Promise<void> {
    try {
      const batches = this.backend.containerLogBatches(this.containerId, {
        follow: true,
        after: this.from.after,
        since: this.from.since,
        tty: this.from.tty,
        signal: this.abort.signal,
      });
      for await (const lines of batches) for (const consumer of this.consumers) consumer.add(lines);
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
}
