import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { removePrefixContainers } from './support';

/**
 * Gateways in their own processes on one data directory, for a suite that restarts or kills its gateway: the
 * suite gets a container prefix of its own, and after it every gateway still running is killed, the
 * prefix's containers removed and the directory deleted. Call at a `describe`'s top level.
 */
export function useRestartableGateways(tag: string, env: Record<string, string>) {
  const prefix = `${tag}${randomBytes(3).toString('hex')}`;
  const docker = new DockerodeBackend();
  const gateways: GatewayProcess[] = [];
  let dataDir = '';

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `lc-${tag}-`));
  });
  afterAll(async () => {
    for (const { child } of gateways) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(gateways.map((g) => g.exited));
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  return {
    prefix,
    docker,
    /** Starts the next gateway on the suite's data directory (persistence on, the suite's prefix). */
    async start(): Promise<GatewayProcess> {
      const gateway = await startGatewayProcess(dataDir, { ...env, ECS_CONTAINER_PREFIX: prefix });
      gateways.push(gateway);
      return gateway;
    },
  };
}
