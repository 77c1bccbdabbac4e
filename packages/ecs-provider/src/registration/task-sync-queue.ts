import type { TaskRef } from '../runtime/task-record';

/** What one sync left to do: `retry` when a deregistration failed and must be tried again. */
export interface SyncOutcome {
  readonly retry: boolean;
}

export interface TaskSyncQueueOptions {
  /** Runs one sync of a task (reading it as it is now). */
  readonly run: (ref: TaskRef) => Promise<SyncOutcome>;
  /** A sync threw (it is not retried: the task's next change syncs it again). */
  readonly failed: (ref: TaskRef, error: unknown) => void;
  /** How long to wait before retry `attempt` (from 1; default 1 s doubling to 30 s). */
  readonly retryDelayMs?: (attempt: number) => number;
}

export const defaultRetryDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));

/**
 * The per-task queue both registrars (ELBv2 targets, Cloud Map instances) sync through: a change marks the
 * task for a sync; syncs of one task run one at a time, in order (so a deregistration never overtakes a
 * registration), and changes that come while one waits come to that one. A sync that asks for a retry gets
 * one after a backoff; a change meanwhile runs it at once (the attempt count carries on). When to give up
 * is the caller's (registration/failing-since.ts: a time from the first failure, not a count of attempts,
 * which would start again at every restart). `close` drops the retries waiting and accepts no more work; what the caller stored is resumed by the next process.
 */
export class TaskSyncQueue {
  /** Per task, the sync in flight or queued. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Tasks whose sync is queued and not started yet, with the attempt it is. */
  private readonly pending = new Map<string, number>();
  /** Retries waiting for their time, by task ARN, with the attempt they are. */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  private closed = false;

  constructor(private readonly options: TaskSyncQueueOptions) {}

  /** Queues a sync of the task (one waiting at most: a change while one waits comes to it). */
  schedule(ref: TaskRef, attempt = 0): void {
    if (this.closed) return;
    const { taskArn } = ref;
    const queued = this.pending.get(taskArn);
    if (queued !== undefined) {
      this.pending.set(taskArn, Math.max(queued, attempt));
      return;
    }
    this.pending.set(taskArn, attempt);
    const next = (this.queues.get(taskArn) ?? Promise.resolve())
      .then(() => this.runOne(ref))
      .catch((error: unknown) => this.options.failed(ref, error));
    this.queues.set(taskArn, next);
    void next.finally(() => {
      if (this.queues.get(taskArn) === next) this.queues.delete(taskArn);
    });
  }

  private async runOne(ref: TaskRef): Promise<void> {
    const { taskArn } = ref;
    // The attempt is read, and the retry waiting cancelled, when the sync starts: this sync is that retry.
    let attempt = this.pending.get(taskArn) ?? 0;
    this.pending.delete(taskArn);
    const waiting = this.retries.get(taskArn);
    if (waiting) {
      clearTimeout(waiting.timer);
      this.retries.delete(taskArn);
      attempt = Math.max(attempt, waiting.attempt);
    }
    if (this.closed) return;
    const { retry } = await this.options.run(ref);
    if (!retry || this.closed) return;
    this.retryLater(ref, attempt + 1);
  }

  private retryLater(ref: TaskRef, attempt: number): void {
    const { taskArn } = ref;
    const existing = this.retries.get(taskArn);
    if (existing) clearTimeout(existing.timer);
    const delay = (this.options.retryDelayMs ?? defaultRetryDelay)(attempt);
    const timer = setTimeout(() => {
      // Only its own entry: a later retry may have replaced it.
      if (this.retries.get(taskArn)?.timer !== timer) return;
      this.retries.delete(taskArn);
      this.schedule(ref, attempt);
    }, delay);
    timer.unref();
    this.retries.set(taskArn, { timer, attempt });
  }

  /** Resolves when every sync queued so far has run (retries waiting for their time excepted). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Resolves when the task's syncs queued so far have run. */
  async settled(taskArn: string): Promise<void> {
    await this.queues.get(taskArn);
  }

  /** Whether a retry of the task waits for its time. */
  retryWaits(taskArn: string): boolean {
    return this.retries.has(taskArn);
  }

  /** Retries waiting for their time (how many tasks). */
  get retrying(): number {
    return this.retries.size;
  }

  /** Drops the retries waiting and runs no more syncs (callers `idle` first, so none is left queued). */
  close(): void {
    this.closed = true;
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }
}
