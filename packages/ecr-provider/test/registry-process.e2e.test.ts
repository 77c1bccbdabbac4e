import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@localcloud/gateway';
import { RegistryProcess, readPidFile } from '../src/registry/registry-process';
import { describeWithRegistry, registryBinary } from './support';

const pidOf = (p: RegistryProcess) => (p as unknown as { child: { pid: number } }).child.pid;

describeWithRegistry('the supervised registry process', () => {
  it('ends the registry a killed gateway left behind (its pid file), and only that', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-proc-'));
    const logger = createLogger('error');
    const options = {
      binary: registryBinary!,
      storageDir: path.join(dir, 'storage'),
      logger,
      pidFile: path.join(dir, 'registry.pid'),
    };
    const orphan = new RegistryProcess(options);
    await orphan.start();
    const orphanPid = readPidFile(options.pidFile)!.pid;
    const exited = new Promise<void>((resolve) =>
      (orphan as unknown as { child: { once(e: string, f: () => void): void } }).child.once('exit', resolve),
    );
    // Its gateway is dead (kill -9): nothing supervises the orphan any more, so nothing restarts it when
    // the next gateway ends it. Without this the orphan's live supervisor raced the test (flaky under load).
    (orphan as unknown as { stopping: boolean }).stopping = true;
    // A new gateway on the same data directory, the old one never stopped (as after kill -9).
    const next = new RegistryProcess(options);
    try {
      await next.start();
      await exited;
      expect(orphan.running).toBe(false);
      expect(next.running).toBe(true);
      expect(readPidFile(options.pidFile)!.pid).not.toBe(orphanPid);
      // Stopping the orphan's object leaves the pid file alone: it names the next registry now.
      await orphan.stop();
      expect(readPidFile(options.pidFile)!.pid).toBe(pidOf(next));
      await next.stop();
      expect(fs.existsSync(options.pidFile)).toBe(false);
    } finally {
      await next.stop();
      await orphan.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
