/*
 * Child process of the lock tests. Usage: lock-holder <dir> [spawn-sleeper]. Opens a journal store on
 * <dir>, puts one record, prints "ready" (after a sleeper's pid with spawn-sleeper) and waits to be killed.
 * With spawn-sleeper it first starts a long-lived child of its own, as the gateway starts helpers.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { JournalStateStore } from '../journal-state-store';

const [dir, mode] = process.argv.slice(2);
const store = new JournalStateStore({ dir: dir!, fsync: false });
store.table<number>('holders').put(String(process.pid), process.pid);
if (mode === 'spawn-sleeper') {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  sleeper.unref();
  fs.writeSync(1, `sleeper ${sleeper.pid}\n`);
}
fs.writeSync(1, 'ready\n');
setInterval(() => undefined, 60_000);
