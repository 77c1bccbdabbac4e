import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError } from './errors';
import { JournalStateStore } from './journal-state-store';
import { TempDirs } from './testing/temp-dirs';

const HOLDER = path.join(__dirname, 'testing', 'lock-holder.ts');
const TS_NODE = require.resolve('ts-node/register/transpile-only');

/** A process holding `dir`'s store open, once it says so; `lines` are what it printed. */
function startHolder(dir: string, mode = ''): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ['-r', TS_NODE, HOLDER, dir, mode], {
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.on('exit', () => reject(new Error(`the holder exited before it was ready: ${stderr}`)));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.endsWith('ready\n')) resolve({ child, lines: stdout.trim().split('\n') });
    });
  });
}

describe('the data directory lock', () => {
  const dirs = new TempDirs();
  const children: ChildProcess[] = [];
  let dir: string;
  beforeEach(() => {
    dir = dirs.make();
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    dirs.removeAll();
  });

  const lockFile = () => path.join(dir, 'LOCK');
  const writeLock = (content: string) => fs.writeFileSync(lockFile(), content);

  it('refuses a second store on the same directory until the first closes', () => {
    const first = new JournalStateStore({ dir });
    expect(() => new JournalStateStore({ dir })).toThrow(DataDirLockedError);
    expect(() => new JournalStateStore({ dir: `${dir}/.` })).toThrow('already open in this process');
    first.close();
    // Kept, not deleted (see release()), and naming no one.
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe('');
    new JournalStateStore({ dir }).close();
  });

  it('refuses a directory a live process holds, naming it', async () => {
    const holder = await startHolder(dir);
    children.push(holder.child);
    // The message keeps its earlier shape: scripts and people recognise it.
    expect(() => new JournalStateStore({ dir, lockWaitMs: 0 })).toThrow(
      new DataDirLockedError(
        `${dir} is in use by process ${holder.child.pid} on ${os.hostname()}: stop it or use another data directory`,
      ),
    );
  });

  it('opens at once after its holder is SIGKILLed, 20 times in a row', async () => {
    for (let restart = 1; restart <= 20; restart++) {
      const holder = await startHolder(dir);
      children.push(holder.child);
      // Synchronously from here on: the killed holder is not reaped by this process before the store opens,
      // as when a supervisor restarts a gateway whose predecessor is still exiting or a zombie.
      holder.child.kill('SIGKILL');
      // The wait only covers the instants until the kernel has closed the dead holder's files.
      const store = new JournalStateStore({ dir, fsync: false, lockWaitMs: 10_000 });
      expect(store.table<number>('holders').get(String(holder.child.pid))).toBe(holder.child.pid);
      store.close();
    }
    // Twenty holders each load ts-node: seconds on a busy 2-core machine. A guard against a hang, not a timing.
  }, 240_000);

  it('is free once its holder dies, even while a process the holder started lives on', async () => {
    const holder = await startHolder(dir, 'spawn-sleeper');
    const sleeper = Number(holder.lines.find((line) => line.startsWith('sleeper '))!.split(' ')[1]);
    try {
      holder.child.kill('SIGKILL');
      new JournalStateStore({ dir, fsync: false, lockWaitMs: 10_000 }).close();
      expect(() => process.kill(sleeper, 0)).not.toThrow();
    } finally {
      process.kill(sleeper, 'SIGKILL');
    }
  });

  it.each([
    // A recreated container (compose up after a kill -9) has a new hostname; a shared volume's file says nothing either.
    ['another host', JSON.stringify({ pid: 1, hostname: 'some-other-host' })],
    [
      'a process that has exited',
      JSON.stringify({ pid: spawnSync(process.execPath, ['-e', '']).pid, hostname: os.hostname() }),
    ],
    [
      'this pid, from an earlier process (pid 1 in a restarted container)',
      JSON.stringify({ pid: process.pid, hostname: os.hostname() }),
    ],
    ['nothing readable', 'not json'],
  ])('takes over a lock file left by %s when nobody holds it', (_case, content) => {
    writeLock(content);
    const store = new JournalStateStore({ dir, lockWaitMs: 0 });
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toEqual({ pid: process.pid, hostname: os.hostname() });
    store.close();
  });
});
