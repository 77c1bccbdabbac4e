import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError } from './errors';
import { JournalStateStore } from './journal-state-store';
import { TempDirs } from './testing/temp-dirs';

describe('the data directory lock', () => {
  const dirs = new TempDirs();
  let dir: string;
  beforeEach(() => {
    dir = dirs.make();
  });
  afterEach(() => dirs.removeAll());

  const writeLock = (pid: number, hostname = os.hostname()) =>
    fs.writeFileSync(path.join(dir, 'LOCK'), `${JSON.stringify({ pid, hostname })}\n`);

  it('refuses a second store on the same directory until the first closes', () => {
    const first = new JournalStateStore({ dir });
    expect(() => new JournalStateStore({ dir })).toThrow(DataDirLockedError);
    expect(() => new JournalStateStore({ dir: `${dir}/.` })).toThrow('already open in this process');
    first.close();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    new JournalStateStore({ dir }).close();
  });

  it('refuses a directory held by a live process, naming it', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeLock(holder.pid!);
      expect(() => new JournalStateStore({ dir })).toThrow(`in use by process ${holder.pid} on ${os.hostname()}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses a directory held by a process on another host: its pid means nothing here', () => {
    writeLock(process.pid, 'some-other-host');
    expect(() => new JournalStateStore({ dir })).toThrow(DataDirLockedError);
  });

  it.each([
    ['a process that has exited', () => spawnSync(process.execPath, ['-e', '']).pid],
    ['this pid, from an earlier process (pid 1 in a restarted container)', () => process.pid],
  ])('takes over a stale lock left by %s', (_case, pid) => {
    writeLock(pid());
    const store = new JournalStateStore({ dir });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8'))).toEqual({
      pid: process.pid,
      hostname: os.hostname(),
    });
    store.close();
  });

  it('refuses a lock file it cannot read an owner from', () => {
    fs.writeFileSync(path.join(dir, 'LOCK'), '');
    expect(() => new JournalStateStore({ dir })).toThrow(/names no owner process; delete it/);
  });
});
