import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
} from '@aws-sdk/client-ecr';
import { createLogger } from '@localcloud/gateway';
import { RegistryProcess } from '../src/registry/registry-process';
import { describeWithRegistry, registryBinary, startEcrTestBed, type EcrTestBed } from './support';

/**
 * The registry is a process of its own, started by the first request that needs it rather than at the
 * gateway's start (issue #18: spawning it and waiting for it to answer was on every start's path).
 */

/** Registry processes this test process started (the gateway runs in it): `<binary> serve <config>`. */
function registryChildren(): number[] {
  const children = fs
    .readdirSync(`/proc/${process.pid}/task`)
    .flatMap((tid) => fs.readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
    .filter(Boolean)
    .map(Number);
  return children.filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0] === registryBinary && argv[1] === 'serve';
    } catch {
      return false; // exited meanwhile
    }
  });
}

interface EcrHealth {
  status: string;
  registry: string;
  registryProcess?: string;
}

const healthOf = async (bed: EcrTestBed) =>
  ((await (await fetch(`${bed.gw.url}/_localcloud/health`)).json()) as { services: { ecr: EcrHealth } }).services.ecr;

describeWithRegistry('the registry process, started on first use', () => {
  let bed: EcrTestBed | undefined;

  afterEach(async () => {
    await bed?.close();
    bed = undefined;
  });

  it('does not exist after start nor for API calls without images; the first image call starts it', async () => {
    bed = await startEcrTestBed();
    expect(registryChildren()).toEqual([]);
    expect(await healthOf(bed)).toEqual({
      status: 'running',
      persistence: false,
      registry: bed.registryHost,
      registryProcess: 'on first use',
    });

    await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lazy' }));
    await bed.ecr.send(new DescribeRepositoriesCommand({}));
    await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    expect(registryChildren()).toEqual([]);

    // Listing images reads the registry's tag list: the registry starts, then answers.
    const { imageIds } = await bed.ecr.send(new ListImagesCommand({ repositoryName: 'lazy' }));
    expect(imageIds).toEqual([]);
    expect(registryChildren()).toHaveLength(1);
    expect(await healthOf(bed)).toMatchObject({ status: 'running', registryProcess: 'running' });
  });

  it('starts for the first request to the registry front (docker login pings /v2/)', async () => {
    bed = await startEcrTestBed();
    const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    expect(registryChildren()).toEqual([]);
    const res = await fetch(`http://${bed.registryHost}/v2/`, {
      headers: { authorization: `Basic ${authorizationData![0]!.authorizationToken!}` },
    });
    expect(res.status).toBe(200);
    expect(registryChildren()).toHaveLength(1);
  });

  it('ends a registry a killed gateway left behind at start, though it starts none of its own (PERSISTENCE=1)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-lazy-'));
    const orphan = new RegistryProcess({
      binary: registryBinary!,
      storageDir: path.join(dataDir, 'ecr', 'registry'),
      logger: createLogger('error'),
      pidFile: path.join(dataDir, 'ecr', 'registry.pid'),
    });
    fs.mkdirSync(path.join(dataDir, 'ecr'), { recursive: true });
    try {
      await orphan.start();
      // Its gateway is dead (kill -9): nothing supervises it, so nothing restarts it when it is ended.
      (orphan as unknown as { stopping: boolean }).stopping = true;
      const orphanPid = (orphan as unknown as { child: { pid: number } }).child.pid;
      const exited = new Promise<void>((resolve) =>
        (orphan as unknown as { child: { once(e: string, f: () => void): void } }).child.once('exit', resolve),
      );
      expect(registryChildren()).toEqual([orphanPid]);

      bed = await startEcrTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir });
      await exited;
      expect(orphan.running).toBe(false);
      expect(registryChildren()).toEqual([]);
    } finally {
      await bed?.close();
      bed = undefined;
      await orphan.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
