import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError } from './errors';

const LOCK_FILE = 'LOCK';

/** Lock files this process holds. Process-wide because a lock belongs to the process, not to one object. */
const heldByThisProcess = new Set<string>();

interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
}

/**
 * Exclusive use of a data directory: `LOCK` created with O_EXCL, holding the owner's pid and host.
 * A lock whose process is gone (a crash, `kill -9`) is stale and taken over.
 */
export class DataDirLock {
  private constructor(readonly file: string) {}

  static acquire(dir: string): DataDirLock {
    const file = path.join(fs.realpathSync(dir), LOCK_FILE);
    if (heldByThisProcess.has(file)) {
      throw new DataDirLockedError(`${dir} is already open in this process: open one state store per data directory`);
    }
    const self: LockOwner = { pid: process.pid, hostname: os.hostname() };
    // Two attempts: the second follows the removal of a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, `${JSON.stringify(self)}\n`, { flag: 'wx' });
        heldByThisProcess.add(file);
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = readIfPresent(file);
      if (text === undefined) continue;
      const owner = parseOwner(text);
      if (!owner) {
        throw new DataDirLockedError(`${file} names no owner process; delete it if no gateway uses ${dir}`);
      }
      if (!isStale(owner)) {
        throw new DataDirLockedError(
          `${dir} is in use by process ${owner.pid} on ${owner.hostname}: stop it or use another data directory ` +
            `(if that process is not a gateway, delete ${file})`,
        );
      }
      // Only remove what we judged stale: another process may have just replaced it.
      if (readIfPresent(file) === text) fs.rmSync(file, { force: true });
    }
    throw new DataDirLockedError(`${dir}: another process took ${file} while this one was taking over a stale lock`);
  }

  release(): void {
    if (!heldByThisProcess.delete(this.file)) return;
    fs.rmSync(this.file, { force: true });
  }
}

function isStale(owner: LockOwner): boolean {
  // On another host (a shared volume) the pid says nothing here: assume it is alive.
  if (owner.hostname !== os.hostname()) return false;
  // Our own pid, but not held by us: an earlier process that had the same pid (pid 1 in a container).
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(owner.pid) && typeof owner.hostname === 'string') return owner as LockOwner;
  } catch {
    // Not ours; the caller says so.
  }
  return undefined;
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
