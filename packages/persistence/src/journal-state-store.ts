import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataDirLock } from './data-dir-lock';
import { fsyncDir, journalPath, listDataDir, removeFile, snapshotPath, temporaryPath } from './data-dir';
import { CorruptStateError, StateStoreUnavailableError, StateStoreWriteError } from './errors';
import { GroupCommit } from './group-commit';
import { JournalWriter, replayJournal } from './journal-file';
import { trackOpenStore } from './open-stores';
import { journalLine, type StoredChange } from './record-format';
import { readSnapshot, writeSnapshot } from './snapshot-file';
import type { DurableTable, StateStore, StateStoreHealth } from './state-store';
import { TableSet, type Change, type SnapshotMembers } from './table-set';

export const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;
/** The smallest journal `close()` considers compacting: below it, the next open replays it in milliseconds. */
export const DEFAULT_COMPACT_AT_CLOSE_BYTES = 1024 * 1024;
/** `close()` compacts a journal holding at least this many times the bytes of the state it leads to. */
const CLOSE_COMPACTION_RATIO = 2;

/** The points a compaction passes, in order; after each one a crash leaves a loadable directory. */
export type CompactionStep = 'snapshot-written' | 'snapshot-installed' | 'journal-started' | 'old-generation-removed';

export interface JournalStateStoreOptions {
  readonly dir: string;
  /** fdatasync changes before `durable()` resolves, and fsync snapshots and the directory (default true). */
  readonly fsync?: boolean;
  /** Journal size that triggers a snapshot (default 64 MiB; never less than the last snapshot). */
  readonly compactAfterBytes?: number;
  /**
   * `close()` compacts when the journal is at least this large and holds at least twice the live state's
   * bytes (mostly superseded versions), so the next open reads the state once, not its history (default 1 MiB).
   */
  readonly compactAtCloseBytes?: number;
  /** Called after each step of a compaction, for crash tests that kill the process right there. */
  readonly onCompactionStep?: (step: CompactionStep, generation: number) => void;
  /** How long to wait for the directory's lock held by a process that is still exiting (default 1 s). */
  readonly lockWaitMs?: number;
  /** See StateStoreOptions.onRollback. */
  readonly onRollback?: (error: Error) => void;
  /** See StateStoreOptions.snapshotMembers. */
  readonly snapshotMembers?: SnapshotMembers;
}

/**
 * State in memory, every change appended to a journal at once and fdatasync'd (one sync for all the
 * changes made meanwhile: GroupCommit) before `durable()` lets anyone acknowledge it.
 * When the journal outgrows its threshold, all state is written to a new snapshot and a new journal
 * generation begins. See docs/persistence.md for the format and the crash-safety argument.
 */
export class JournalStateStore implements StateStore {
  private readonly dir: string;
  private readonly fsync: boolean;
  private readonly compactAfterBytes: number;
  private readonly compactAtCloseBytes: number;
  private readonly onCompactionStep: NonNullable<JournalStateStoreOptions['onCompactionStep']>;
  private readonly onRollback: JournalStateStoreOptions['onRollback'];
  private readonly tables: TableSet;
  private readonly snapshotMembers: SnapshotMembers;
  /** The journal in use when a sync starts is the one it syncs: compaction may replace it meanwhile. */
  private readonly commits = new GroupCommit(
    (done) => this.journal!.sync(done),
    (error) => this.syncFailed(error),
  );
  private readonly lock: DataDirLock;
  private readonly untrack: () => void;
  private generation = 0;
  private journal: JournalWriter | undefined;
  private snapshotBytes = 0;
  /** After a failed compaction, the next attempt waits until the journal grows this large. */
  private retryCompactionAt = 0;
  /** Set when the directory no longer matches memory: writes are refused until a restart recovers. */
  private failure: Error | undefined;
  /** Journal writes and syncs that failed since open, recovered from or not, and the last one. */
  private writeFailures = 0;
  private lastWriteFailure: Error | undefined;
  private closed = false;

  constructor(options: JournalStateStoreOptions) {
    const compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    if (!(compactAfterBytes > 0)) throw new RangeError(`compactAfterBytes must be positive, not ${compactAfterBytes}`);
    this.dir = path.resolve(options.dir);
    this.fsync = options.fsync ?? true;
    this.compactAfterBytes = compactAfterBytes;
    this.compactAtCloseBytes = options.compactAtCloseBytes ?? DEFAULT_COMPACT_AT_CLOSE_BYTES;
    this.onCompactionStep = options.onCompactionStep ?? (() => undefined);
    this.onRollback = options.onRollback;
    this.snapshotMembers = options.snapshotMembers ?? {};
    this.tables = new TableSet((changes, undo) => this.persist(changes, undo), this.snapshotMembers);
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock = DataDirLock.acquire(this.dir, { waitMs: options.lockWaitMs });
    try {
      this.recover();
    } catch (error) {
      this.journal?.close();
      this.lock.release();
      throw error;
    }
    this.untrack = trackOpenStore(this.dir, this);
  }

  table<T>(name: string): DurableTable<T> {
    return this.tables.table<T>(name);
  }

  transaction(fn: () => void): void {
    this.tables.transaction(fn);
  }

  durable(): Promise<void> {
    return this.commits.durable();
  }

  health(): StateStoreHealth {
    return {
      refusingWrites: this.failure !== undefined,
      writeFailures: this.writeFailures,
      ...(this.lastWriteFailure && { lastWriteFailure: this.lastWriteFailure.message }),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.commits.pending && !this.failure) {
        try {
          this.journal!.syncNow();
          this.commits.coverAll();
        } catch (error) {
          // As a failed group sync: the pending changes are undone and a new generation written from memory.
          this.commits.fail(error as Error);
          if (this.failure) throw new StateStoreWriteError(`closing ${this.dir} failed`, { cause: this.failure });
        }
      }
      if (!this.failure && this.journalMostlySuperseded()) this.compactQuietly();
    } finally {
      this.untrack();
      this.journal?.close();
      this.lock.release();
    }
  }

  /**
   * Whether the journal holds at least CLOSE_COMPACTION_RATIO times the bytes of the live state: then a
   * snapshot written now (costing the live state's bytes) saves the next open more than it costs, and a
   * long-lived gateway whose records keep changing (tasks) would otherwise replay their whole history at
   * every start until the journal reaches the compaction threshold. Counts the live state only up to the
   * bound, so a journal that is mostly live state is told cheaply.
   */
  private journalMostlySuperseded(): boolean {
    const journalBytes = this.journal!.size;
    if (journalBytes < this.compactAtCloseBytes) return false;
    return this.tables.liveBytesBelow(journalBytes / CLOSE_COMPACTION_RATIO);
  }

  /**
   * A sync failed and its changes were undone in memory. The journal's content on disk is unknown from here
   * (after a failed fsync the kernel may have dropped its dirty pages and reports that once), so it is not
   * synced again: memory, which holds only acknowledged changes now, is written as a new generation, as a
   * compaction does, and writes go on there. If that fails too, writes are refused until a restart.
   */
  private syncFailed(error: Error): void {
    this.writeFailed(error);
    this.tellRollback(error);
    if (this.failure) return;
    try {
      this.startGeneration(this.generation + 1);
      process.emitWarning(
        `a journal sync of ${this.dir} failed (${error.message}): the changes it covered were refused and ` +
          `undone, and generation ${this.generation} was written from memory`,
        { code: 'LOCALCLOUD_JOURNAL_SYNC_FAILED' },
      );
    } catch (generationError) {
      this.writeFailed(generationError as Error);
      this.failure ??= generationError as Error;
      process.emitWarning(
        `a journal sync of ${this.dir} failed (${error.message}), then writing a new generation failed ` +
          `(${(generationError as Error).message}): writes are refused until a restart`,
        { code: 'LOCALCLOUD_JOURNAL_SYNC_FAILED' },
      );
    }
  }

  private writeFailed(error: Error): void {
    this.writeFailures++;
    this.lastWriteFailure = error;
  }

  /** Whoever indexes the records rebuilds from them: changes already visible were undone. */
  private tellRollback(error: Error): void {
    try {
      this.onRollback?.(error);
    } catch (listenerError) {
      // The waiters must still hear of the failure: a throwing listener cannot be allowed to hang them.
      process.emitWarning(`onRollback of ${this.dir} threw: ${(listenerError as Error).message}`, {
        code: 'LOCALCLOUD_ROLLBACK_LISTENER_FAILED',
      });
    }
  }

  private persist(changes: readonly Change[], undo: () => void): void {
    if (this.closed) throw new StateStoreUnavailableError(`the state store for ${this.dir} is closed`);
    if (this.failure) {
      throw new StateStoreWriteError(
        `the state store for ${this.dir} refuses writes after a disk failure (${this.failure.message}); restart to recover`,
        { cause: this.failure },
      );
    }
    const journal = this.journal!;
    try {
      journal.append(journalLine(changes));
    } catch (error) {
      this.writeFailed(error as Error);
      // A partial line that could not be cut off: lines after it would make the journal unreadable.
      if (journal.failed) this.failure ??= error as Error;
      throw error;
    }
    if (this.fsync) this.commits.appendedChange(undo);
    if (journal.size >= Math.max(this.compactionThreshold(), this.retryCompactionAt)) this.compactQuietly();
  }

  /** Newest snapshot, then its journal; leftovers of an interrupted compaction are removed after. */
  private recover(): void {
    const listing = listDataDir(this.dir);
    const generation = listing.snapshots.at(-1);
    if (generation === undefined) {
      const orphan = listing.journals.at(-1);
      if (orphan !== undefined) {
        throw new CorruptStateError(journalPath(this.dir, orphan), undefined, 'a journal without any snapshot');
      }
      this.startGeneration(1);
    } else {
      const newer = listing.journals.find((journal) => journal > generation);
      if (newer !== undefined) {
        throw new CorruptStateError(
          journalPath(this.dir, newer),
          undefined,
          `a journal newer than the newest snapshot`,
        );
      }
      const restore = this.tables.restorer();
      const snapshot = snapshotPath(this.dir, generation);
      readSnapshot(snapshot, generation, restore);
      this.snapshotBytes = fs.statSync(snapshot).size;
      const journal = journalPath(this.dir, generation);
      const journalExists = listing.journals.includes(generation);
      if (journalExists) {
        const apply = (change: StoredChange) => restore(change.table, change.key, change.value);
        replayJournal(journal, (changes) => changes.forEach(apply), this.fsync);
      }
      this.journal = JournalWriter.open(journal, this.fsync);
      this.generation = generation;
      if (!journalExists && this.fsync) fsyncDir(this.dir);
    }
    // Everything older than the loaded generation is contained in its snapshot.
    for (const file of listing.temporaryFiles) removeFile(file);
    for (const old of listing.snapshots) if (old < this.generation) removeFile(snapshotPath(this.dir, old));
    for (const old of listing.journals) if (old < this.generation) removeFile(journalPath(this.dir, old));
    if (this.journal!.size >= this.compactionThreshold()) this.compactQuietly();
  }

  /**
   * Compaction once the journal holds at least as many bytes as the last snapshot: the snapshot's cost
   * is then paid for by the journal bytes written since, so a change's amortised cost stays flat
   * however much state there is.
   */
  private compactionThreshold(): number {
    return Math.max(this.compactAfterBytes, this.snapshotBytes);
  }

  /** The change that triggered it is already in the journal, so a failed compaction must not fail it. */
  private compactQuietly(): void {
    try {
      this.startGeneration(this.generation + 1);
    } catch (error) {
      this.writeFailed(error as Error);
      this.retryCompactionAt = this.journal!.size + this.compactionThreshold();
      process.emitWarning(
        `compaction of ${this.dir} failed: ${(error as Error).message}` +
          (this.failure ? '; writes are refused until a restart' : '; the journal keeps growing until a retry'),
        { code: 'LOCALCLOUD_COMPACTION_FAILED' },
      );
    }
  }

  /**
   * Snapshot of all state as generation `next`, then a new journal. Each step is made durable before
   * the next, so a crash anywhere leaves either the old generation whole or the new snapshot installed.
   */
  private startGeneration(next: number): void {
    const snapshot = snapshotPath(this.dir, next);
    const temporary = temporaryPath(snapshot);
    let bytes: number;
    try {
      // Values written stay in memory as those bytes: equal to what they replace, so even a compaction
      // that fails later leaves memory right.
      bytes = writeSnapshot(
        temporary,
        next,
        this.tables.allRecords(),
        this.fsync,
        (record, buffer, start, stop, membersStart) =>
          this.tables.keepWritten(record.table, record.key, buffer, start, stop, record.members?.names, membersStart),
        this.snapshotMembers,
      );
      this.onCompactionStep('snapshot-written', next);
      fs.renameSync(temporary, snapshot);
    } catch (error) {
      removeFile(temporary);
      throw error;
    }
    let journal: JournalWriter;
    try {
      if (this.fsync) fsyncDir(this.dir);
      this.onCompactionStep('snapshot-installed', next);
      journal = JournalWriter.open(journalPath(this.dir, next), this.fsync);
      if (this.fsync) fsyncDir(this.dir);
    } catch (error) {
      // A restart now loads the new snapshot and would ignore anything appended to the old journal.
      this.failure = error as Error;
      throw error;
    }
    const previous = this.generation;
    this.journal?.close();
    this.journal = journal;
    this.generation = next;
    this.snapshotBytes = bytes;
    this.retryCompactionAt = 0;
    // The snapshot (fsync'd, installed) holds every change made so far: they are all durable.
    this.commits.coverAll();
    this.onCompactionStep('journal-started', next);
    if (previous > 0) {
      removeFile(journalPath(this.dir, previous));
      removeFile(snapshotPath(this.dir, previous));
    }
    this.onCompactionStep('old-generation-removed', next);
  }
}
