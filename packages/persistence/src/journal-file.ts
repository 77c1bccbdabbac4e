import * as fs from 'node:fs';
import { CorruptStateError, StateStoreUnavailableError } from './errors';
import { readLines } from './line-reader';
import { parseJournalLine, type StoredChange } from './record-format';

/**
 * Appends lines to one journal file. Synchronous on purpose: when `append` returns the line is on
 * disk (fdatasync), so a caller that acknowledges after it never acknowledges a change a crash can lose.
 */
export class JournalWriter {
  private failure: Error | undefined;

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

  append(line: string): void {
    if (this.failure) {
      throw new StateStoreUnavailableError(`journal ${this.file} failed earlier; restart to recover`, {
        cause: this.failure,
      });
    }
    const buffer = Buffer.from(line, 'utf8');
    let step: 'write' | 'sync' = 'write';
    try {
      for (let written = 0; written < buffer.length;) {
        written += fs.writeSync(this.fd, buffer, written, buffer.length - written);
      }
      step = 'sync';
      if (this.fsync) fs.fdatasyncSync(this.fd);
    } catch (error) {
      // A failed write is cut off so the next append starts clean. After a failed fdatasync nobody
      // knows what reached the disk (the kernel may drop the dirty pages): the journal takes no more.
      if (step === 'sync' || !this.cut()) this.failure = error as Error;
      throw error;
    }
    this.bytes += buffer.length;
  }

  close(): void {
    fs.closeSync(this.fd);
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
      changes = parseJournalLine(line.text);
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
