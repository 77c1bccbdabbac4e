/** How long a failing deregistration is retried: 24 hours from its first failure. */
export const DEFAULT_GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

export interface GiveUpOptions {
  /** The clock, in epoch ms (tests move it; default `Date.now`). */
  readonly now?: () => number;
  /** How long after a task's first failed deregistration it is given up (default 24 h). */
  readonly giveUpAfterMs?: number;
}

/**
 * When each task's deregistration began failing, so both registrars give it up a fixed time after the
 * first failure. The time is stored with what is left to leave (the left-behind record's `failingSince`)
 * and restored by `resume`, so a restart carries the count on instead of starting it again.
 */
export class FailingSince {
  private readonly since = new Map<string, number>();
  private readonly now: () => number;
  private readonly giveUpAfterMs: number;

  constructor(options: GiveUpOptions = {}) {
    this.now = options.now ?? Date.now;
    this.giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
  }

  /** From a stored record: the task's deregistration has been failing since then. */
  restore(taskArn: string, since: number | undefined): void {
    if (since !== undefined) this.since.set(taskArn, since);
  }

  /** A deregistration of the task failed now: whether its time is up (counted from the first failure). */
  failed(taskArn: string): boolean {
    const since = this.since.get(taskArn) ?? this.now();
    this.since.set(taskArn, since);
    return this.now() - since >= this.giveUpAfterMs;
  }

  /** When the task's deregistration began failing, if it is failing. */
  of(taskArn: string): number | undefined {
    return this.since.get(taskArn);
  }

  /** The task has nothing left to leave (out, or given up). */
  clear(taskArn: string): void {
    this.since.delete(taskArn);
  }
}
