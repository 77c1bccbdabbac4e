import type { LogPosition } from '@localcloud/docker-backend';
import type { DurableTable, StateStore } from '@localcloud/persistence';
import type { Logger } from 'winston';

/** Per task ARN, per ECS container name: how far its awslogs output was delivered. */
export type LogPositionRecord = Readonly<Record<string, LogPosition>>;

/**
 * Records how far each container's awslogs output was delivered, so a gateway restarted after a crash
 * resumes there instead of delivering the whole log again. Positions change with every batch; they are
 * written at most once per `intervalMs`, all changed ones in one transaction (one journal line), so a
 * `kill -9` repeats at most the lines delivered in the last interval.
 *
 * A position is written only after `linesDurable` resolves: the Logs store and ECS's store commit
 * separately, so a position durable before its lines would skip them after a crash (a gap, where a
 * repeat is the accepted cost).
 */
export class LogPositions {
  private readonly changed = new Map<string, Map<string, LogPosition>>();
  private timer?: NodeJS.Timeout;
  private lastFlush = 0;
  /** Tasks forgotten while flushes wait for their lines to be durable: those must not write them back. */
  private readonly forgotten = new Set<string>();
  private flushing = 0;

  constructor(
    private readonly state: StateStore,
    private readonly table: DurableTable<LogPositionRecord>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** Resolves once every log line delivered so far is durable in the Logs store. */
    private readonly linesDurable: () => Promise<void> = () => Promise.resolve(),
  ) {}

  get(taskArn: string, containerName: string): LogPosition | undefined {
    return this.changed.get(taskArn)?.get(containerName) ?? this.table.get(taskArn)?.[containerName];
  }

  update(taskArn: string, containerName: string, position: LogPosition): void {
    let containers = this.changed.get(taskArn);
    if (!containers) this.changed.set(taskArn, (containers = new Map()));
    containers.set(containerName, position);
    // Timed from the last write, not from this change: no position waits longer than one interval.
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.max(0, this.lastFlush + this.intervalMs - Date.now()),
    );
  }

  /** The task's output is all delivered (it stopped): its positions are no longer needed. */
  forget(taskArn: string): void {
    this.changed.delete(taskArn);
    if (this.flushing > 0) this.forgotten.add(taskArn);
    if (this.table.has(taskArn)) this.table.delete(taskArn);
  }

  /**
   * Writes every changed position, once the lines up to it are durable (on shutdown, and from the timer).
   * Never throws: a position not written only costs lines delivered twice after a crash.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.changed.size === 0) return;
    this.lastFlush = Date.now();
    const changed = [...this.changed];
    this.changed.clear();
    this.flushing++;
    try {
      await this.linesDurable();
      this.state.transaction(() => {
        for (const [taskArn, containers] of changed) {
          // A task forgotten meanwhile (it stopped) keeps no position.
          if (!this.forgotten.has(taskArn)) {
            this.table.put(taskArn, { ...this.table.get(taskArn), ...Object.fromEntries(containers) });
          }
        }
      });
    } catch (error) {
      this.logger.warn('awslogs: could not record how far logs were delivered', { error: String(error) });
    } finally {
      if (--this.flushing === 0) this.forgotten.clear();
    }
  }
}
