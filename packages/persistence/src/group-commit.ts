import { channel } from 'node:diagnostics_channel';
import { StateStoreWriteError } from './errors';

/**
 * One message per completed group commit, while anyone subscribes (scripts/trace-register.js): `appended`
 * (when its first change was appended), `started` and `completed` (its sync), all `performance.now()` ms;
 * `changes` it covered; `waits`, how long each waiter it answered waited from `durable()` (ms).
 * Nothing is timed while nobody subscribes.
 */
export interface GroupCommitMessage {
  readonly appended: number;
  readonly started: number;
  readonly completed: number;
  readonly changes: number;
  readonly waits: readonly number[];
}
export const groupCommitChannel = channel('localcloud:persistence:group-commit');

/** One fdatasync of everything appended so far; `done` gets its error, if any. */
export type SyncJournal = (done: (error: Error | null) => void) => void;

interface Waiter {
  readonly upTo: number;
  /** When it began waiting (performance.now()), while groupCommitChannel has subscribers; else 0. */
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit: changes are appended to the journal as they are made, and one fdatasync covers every
 * change appended before it started. A caller acknowledges its change only once `durable()` resolves,
 * so concurrent requests share a sync instead of paying one each. If a sync fails, every change not
 * yet covered by a successful one is undone in memory (newest first), the store is told (it then starts
 * a new journal from memory, or refuses writes) and every waiter rejected with StateStoreWriteError: a
 * change that a crash could have lost is never acknowledged, nor left visible. Later changes start afresh.
 */
export class GroupCommit {
  /** Changes appended so far, and how many of the first ones a successful sync covers. */
  private appended = 0;
  private covered = 0;
  private syncing = false;
  private scheduled = false;
  private readonly waiters: Waiter[] = [];
  /** How to take back each change not yet covered, oldest first. */
  private readonly undos: Array<{ readonly seq: number; readonly undo: () => void }> = [];
  /** For groupCommitChannel: when the first change not yet in a started sync was appended. */
  private firstAppended = 0;
  /** Changes handed to a sync that has started. */
  private started = 0;

  constructor(
    private readonly sync: SyncJournal,
    /**
     * Told when a sync fails, after the undo and before any waiter hears of it: the journal's tail is
     * unknown from then on, so no later change may go to it.
     */
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** A change was appended (not yet synced); `undo` removes it from memory should its sync fail. */
  appendedChange(undo: () => void): void {
    if (this.appended === Math.max(this.covered, this.started) && groupCommitChannel.hasSubscribers)
      this.firstAppended = performance.now();
    this.appended++;
    this.undos.push({ seq: this.appended, undo });
    this.schedule();
  }

  /** Resolves once every change appended so far is durable; rejects if a sync fails first. */
  durable(): Promise<void> {
    if (this.covered >= this.appended) return Promise.resolve();
    const since = groupCommitChannel.hasSubscribers ? performance.now() : 0;
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.appended, since, resolve, reject }));
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
    if (this.syncing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.syncing || !this.pending) return;
    const upTo = this.appended;
    this.syncing = true;
    const traced = groupCommitChannel.hasSubscribers;
    const [appended, started, from] = [this.firstAppended, traced ? performance.now() : 0, this.covered];
    this.started = upTo;
    this.sync((error) => {
      this.syncing = false;
      // A failed sync of changes a snapshot has since covered (an old journal) loses nothing.
      if (error && upTo > this.covered) return this.fail(error);
      if (traced && groupCommitChannel.hasSubscribers) {
        const completed = performance.now();
        const waits = this.waiters.filter((w) => w.upTo <= upTo && w.since > 0).map((w) => completed - w.since);
        this.settle(upTo);
        groupCommitChannel.publish({ appended, started, completed, changes: upTo - from, waits });
      } else this.settle(upTo);
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

  /**
   * A sync failed (in the group, or when closing): every change not covered is taken back, newest first,
   * and nothing is pending any more; the waiters hear of it last, once the store has acted on `onFailure`.
   */
  fail(error: Error): void {
    const undos = this.undos.splice(0).reverse();
    const waiters = this.waiters.splice(0);
    this.covered = this.appended;
    try {
      for (const { undo } of undos) undo();
      this.onFailure(error);
    } finally {
      const rejection = new StateStoreWriteError(
        `a journal sync failed (${error.message}): the ${undos.length} change(s) it was to make durable were undone`,
        { cause: error },
      );
      for (const waiter of waiters) waiter.reject(rejection);
    }
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
