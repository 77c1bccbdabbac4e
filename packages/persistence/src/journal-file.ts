import * as fs from 'node:fs';
import { CorruptStateError, StateStoreUnavailableError, StateStoreWriteError } from './errors';
import { readLines } from './line-reader';
import { parseJournalLine, type StoredChange } from './record-format';

/**
 * Appends lines to one journal file. `append` writes synchronously (a process crash keeps the line);
 * `sync` makes everything written so far survive an OS crash (fdatasync, off the main thread), and
 * the caller acknowledges a change only after the sync that covers it (see GroupCommit).
 */
export class JournalWriter {
  private failure: Error | undefined;
  private syncsInFlight = 0;
  private closing = false;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    private bytes: number,
    private readonly fsync: boolean,
  ) {}

  /** Opens `file` for appending, creating it if missing. */
  static open(file: string, fsync: boolean): JournalWriter {
    const fd = fs.openSync(file, 'a');
    return new JournalWriter(file, fd, fs.fstatSync(fd).size, fsync);
  }

  get size(): number {
    return this.bytes;
  }

  /** Whether a write could not be cut off or a sync failed: what follows in the file is unknown. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Throws StateStoreWriteError, having written nothing, if the line could not be written whole. */
  append(line: string): void {
    if (this.failure) {
      throw new StateStoreWriteError(`journal ${this.file} failed earlier (${this.failure.message})`, {
        cause: this.failure,
      });
    }
    const buffer = Buffer.from(line, 'utf8');
    try {
      for (let written = 0; written < buffer.length;) {
        written += fs.writeSync(this.fd, buffer, written, buffer.length - written);
      }
    } catch (error) {
      // A failed write is cut off so the next append starts clean.
      if (!this.cut()) this.failure = error as Error;
      throw new StateStoreWriteError(`writing to journal ${this.file} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.bytes += buffer.length;
  }

  /**
   * fdatasync of everything appended before the call, in the thread pool. After a failed fdatasync
   * nobody knows what reached the disk (the kernel may have dropped the dirty pages and will not say so
   * again): the journal takes no more, and syncing it again would prove nothing.
   */
  sync(done: (error: Error | null) => void): void {
    if (!this.fsync) return done(null);
    if (this.closing) return done(new StateStoreUnavailableError(`journal ${this.file} is closed`));
    this.syncsInFlight++;
    fs.fdatasync(this.fd, (error) => {
      if (error) this.failure ??= error;
      if (--this.syncsInFlight === 0 && this.closing) fs.close(this.fd, () => undefined);
      done(error);
    });
  }

  /** The same, blocking: for closing. */
  syncNow(): void {
    if (!this.fsync) return;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      this.failure ??= error as Error;
      throw error;
    }
  }

  /** Closes the file once no sync is using it any more. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.syncsInFlight === 0) fs.closeSync(this.fd);
  }

  private cut(): boolean {
    try {
      fs.ftruncateSync(this.fd, this.bytes);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Applies every line of `file`, oldest first. A damaged last line is a write that a crash cut short
 * and was never acknowledged: it is dropped and the file truncated to the last complete line. A
 * damaged line anywhere else is corruption: CorruptStateError, nothing dropped.
 * Returns the journal's size after truncation.
 */
export function replayJournal(file: string, apply: (changes: StoredChange[]) => void, fsync: boolean): number {
  let complete = 0;
  let damaged: { number: number; reason: string } | undefined;
  for (const line of readLines(file)) {
    if (damaged) throw new CorruptStateError(file, damaged.number, `${damaged.reason}, and more lines follow it`);
    if (!line.terminated) {
      damaged = { number: line.number, reason: 'no newline' };
      continue;
    }
    let changes: StoredChange[];
    try {
      changes = parseJournalLine(line);
    } catch (error) {
      damaged = { number: line.number, reason: (error as Error).message };
      continue;
    }
    apply(changes);
    complete = line.end;
  }
  if (damaged) truncate(file, complete, fsync);
  return complete;
}

function truncate(file: string, size: number, fsync: boolean): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, size);
    if (fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
