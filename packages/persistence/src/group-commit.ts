import { StateStoreUnavailableError } from './errors';

/** One fdatasync of everything appended so far; `done` gets its error, if any. */
export type SyncJournal = (done: (error: Error | null) => void) => void;

interface Waiter {
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit: changes are appended to the journal as they are made, and one fdatasync covers every
 * change appended before it started. A caller acknowledges its change only once `durable()` resolves,
 * so concurrent requests share a sync instead of paying one each. If a sync fails, every change not
 * yet covered by a successful one is undone in memory (newest first) and every waiter rejected: a
 * change that a crash could have lost is never acknowledged, nor left visible.
 */
export class GroupCommit {
  /** Changes appended so far, and how many of the first ones a successful sync covers. */
  private appended = 0;
  private covered = 0;
  private syncing = false;
  private scheduled = false;
  private failure: Error | undefined;
  private readonly waiters: Waiter[] = [];
  /** How to take back each change not yet covered, oldest first. */
  private readonly undos: Array<{ readonly seq: number; readonly undo: () => void }> = [];

  constructor(
    private readonly sync: SyncJournal,
    /** Told once, when a sync fails: the journal's tail is unknown from then on. */
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** A change was appended (not yet synced); `undo` removes it from memory should its sync fail. */
  appendedChange(undo: () => void): void {
    this.appended++;
    this.undos.push({ seq: this.appended, undo });
    this.schedule();
  }

  /** Resolves once every change appended so far is durable; rejects if a sync fails first. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.unavailable());
    if (this.covered >= this.appended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.appended, resolve, reject }));
  }

  /** Everything appended so far was made durable another way (a snapshot, a synchronous sync). */
  coverAll(): void {
    this.settle(this.appended);
  }

  get pending(): boolean {
    return this.covered < this.appended;
  }

  /**
   * The next sync starts after this turn of the event loop, so every request read from the sockets
   * in the same turn joins it; while one sync runs, the changes made meanwhile wait for the next.
   */
  private schedule(): void {
    if (this.syncing || this.scheduled || this.failure) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.syncing || this.failure || !this.pending) return;
    const upTo = this.appended;
    this.syncing = true;
    this.sync((error) => {
      this.syncing = false;
      // A failed sync of changes a snapshot has since covered (an old journal) loses nothing.
      if (error && upTo > this.covered) return this.fail(error);
      this.settle(upTo);
      if (this.pending) this.schedule();
    });
  }

  private settle(upTo: number): void {
    if (upTo <= this.covered) return;
    this.covered = upTo;
    let done = 0;
    while (done < this.undos.length && this.undos[done]!.seq <= upTo) done++;
    this.undos.splice(0, done);
    let resolved = 0;
    while (resolved < this.waiters.length && this.waiters[resolved]!.upTo <= upTo) resolved++;
    for (const waiter of this.waiters.splice(0, resolved)) waiter.resolve();
  }

  /** A sync failed outside the group (closing): the same as a failed group sync. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const { undo } of this.undos.splice(0).reverse()) undo();
    this.onFailure(error);
    const rejection = this.unavailable();
    for (const waiter of this.waiters.splice(0)) waiter.reject(rejection);
  }

  private unavailable(): StateStoreUnavailableError {
    return new StateStoreUnavailableError(
      `a journal sync failed (${this.failure!.message}): the changes it covered were undone; restart to recover`,
      { cause: this.failure },
    );
  }
}

/**
 * Runs a request's work, then waits until every change made so far is durable before handing back its
 * answer (or its error): what providers wrap each operation in, so none answers ahead of the disk.
 */
export async function answerWhenDurable<T>(store: { durable(): Promise<void> }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await store.durable();
  }
}
