import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError } from './errors';
import { tryLockFile } from './file-lock';

const LOCK_FILE = 'LOCK';
/** How long to wait for a holder that is still exiting (a SIGKILL just sent) before refusing. */
const DEFAULT_WAIT_MS = 1000;
const RETRY_EVERY_MS = 25;

/** Lock files this process holds. Process-wide because a lock belongs to the process, not to one object. */
const heldByThisProcess = new Set<string>();

interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
}

/**
 * Exclusive use of a data directory: an advisory lock (open file description lock on Linux, flock on
 * macOS) on `LOCK`, held for as long as the file stays open. The kernel drops it when its holder dies
 * however it dies, so there is nothing stale to judge: no pid or hostname check that a zombie, a reused
 * pid or a recreated container could fool. The pid and host written into the file only name the
 * holder in the error a second process gets.
 */
export class DataDirLock {
  private constructor(
    readonly file: string,
    private readonly fd: number,
  ) {}

  static acquire(dir: string, options: { waitMs?: number } = {}): DataDirLock {
    const file = path.join(fs.realpathSync(dir), LOCK_FILE);
    if (heldByThisProcess.has(file)) {
      throw new DataDirLockedError(`${dir} is already open in this process: open one state store per data directory`);
    }
    // Node opens files close-on-exec, so no child process inherits the descriptor and outlives us with the lock.
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      if (!lockWithin(fd, file, options.waitMs ?? DEFAULT_WAIT_MS)) throw lockedError(dir, file);
      const self: LockOwner = { pid: process.pid, hostname: os.hostname() };
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, `${JSON.stringify(self)}\n`, 0);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    heldByThisProcess.add(file);
    return new DataDirLock(file, fd);
  }

  release(): void {
    if (!heldByThisProcess.delete(this.file)) return;
    // The file stays: deleting it would let a process that opened it just before take a lock on the
    // unlinked file while a third locks a new one. Emptied, it names no holder.
    try {
      fs.ftruncateSync(this.fd, 0);
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

function lockWithin(fd: number, file: string, waitMs: number): boolean {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (tryLockFile(fd, file)) return true;
    if (Date.now() >= deadline) return false;
    // Synchronous on purpose: opening a store is synchronous, and this happens once, at start-up.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_EVERY_MS);
  }
}

function lockedError(dir: string, file: string): DataDirLockedError {
  const owner = readOwner(file);
  const who = owner ? `process ${owner.pid} on ${owner.hostname}` : 'another process';
  return new DataDirLockedError(`${dir} is in use by ${who}: stop it or use another data directory`);
}

/** The holder's record, if it has written one yet (and the platform lets a non-holder read it). */
function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (Number.isInteger(owner.pid) && typeof owner.hostname === 'string') return owner as LockOwner;
  } catch {
    // Empty (the holder is between locking and writing), or unreadable: name no one.
  }
  return undefined;
}
