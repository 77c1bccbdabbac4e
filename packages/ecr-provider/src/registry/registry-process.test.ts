import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@localcloud/gateway';
import { INSTALL_HINT, endLeftBehind, findRegistryBinary, registryMissingReason } from './registry-process';

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

describe('findRegistryBinary', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-bintest-'));
  const bin = path.join(dir, 'bin');
  const other = path.join(dir, 'other');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => {
    fs.mkdirSync(bin);
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(bin, 'docker-registry'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(other, 'registry'), 'not executable', { mode: 0o644 });
    fs.mkdirSync(path.join(other, 'docker-registry'));
  });

  test('finds the first executable file on PATH, skipping files that cannot run and folders', () => {
    const env = { PATH: [other, bin].join(path.delimiter) };
    expect(findRegistryBinary(env)).toBe(path.join(bin, 'docker-registry'));
    expect(findRegistryBinary({ PATH: other })).toBeUndefined();
    expect(registryMissingReason({ PATH: other })).toBe(INSTALL_HINT);
  });

  test('takes ECR_REGISTRY_BINARY only when it is an executable file, and names it when it is not', () => {
    const PATH = bin;
    const set = path.join(bin, 'docker-registry');
    expect(findRegistryBinary({ PATH, ECR_REGISTRY_BINARY: set })).toBe(set);
    for (const wrong of [path.join(dir, 'no-such-file'), path.join(other, 'registry'), other]) {
      const env = { PATH, ECR_REGISTRY_BINARY: wrong };
      // Not looked for on PATH: the setting says which binary is wanted.
      expect(findRegistryBinary(env)).toBeUndefined();
      expect(registryMissingReason(env)).toContain(`ECR_REGISTRY_BINARY is ${wrong}, which is not an executable file`);
    }
  });
});
