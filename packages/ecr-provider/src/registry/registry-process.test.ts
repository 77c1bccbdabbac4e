import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@localcloud/gateway';
import { endLeftBehind } from './registry-process';

/**
 * A process of ours whose command line reads like another gateway's registry (`serve <its run folder's
 * config>`): a reused pid in our pid file may name exactly such a process.
 */
function lookalike(config: string): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'serve', config], { stdio: 'ignore' });
}

/** How it ended once we end it with SIGTERM: SIGKILL if something had killed it first. */
function endedBy(child: ChildProcess): Promise<NodeJS.Signals | null> {
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  child.kill('SIGTERM');
  return exited;
}

describe('endLeftBehind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-pidtest-'));
  const pidFile = path.join(dir, 'registry.pid');
  const logger = createLogger('error');
  const ours = path.join(os.tmpdir(), 'lc-ecr-ours', 'config.yml');
  const theirs = path.join(os.tmpdir(), 'lc-ecr-theirs', 'config.yml');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('leaves alone a process the pid file names when it serves another config (a reused pid)', async () => {
    const other = lookalike(theirs);
    fs.writeFileSync(pidFile, JSON.stringify({ pid: other.pid, config: ours }));
    endLeftBehind(pidFile, logger);
    expect(await endedBy(other)).toBe('SIGTERM');
  });

  test('leaves alone the pid of a bare pid file, which records no config to check', async () => {
    const other = lookalike(theirs);
    fs.writeFileSync(pidFile, String(other.pid));
    endLeftBehind(pidFile, logger);
    expect(await endedBy(other)).toBe('SIGTERM');
  });

  test('ends the process when it serves the very config the pid file records', async () => {
    const orphan = lookalike(ours);
    fs.writeFileSync(pidFile, JSON.stringify({ pid: orphan.pid, config: ours }));
    endLeftBehind(pidFile, logger);
    expect(await endedBy(orphan)).toBe('SIGKILL');
  });
});
