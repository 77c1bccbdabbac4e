import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ECRClient } from '@aws-sdk/client-ecr';
import { inCi as readCi, startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { findRegistryBinary } from '../src/registry/registry-process';

const run = promisify(execFile);

export const inCi = readCi();
export const registryBinary = findRegistryBinary(process.env);

/**
 * In CI the registry is part of the machine (.ci/run installs Debian's docker-registry): a missing one
 * is a failing test, never a skip. Elsewhere the suite is skipped.
 */
export function describeWithRegistry(name: string, body: () => void): void {
  if (!registryBinary && inCi) {
    test('the registry binary is installed', () => {
      throw new Error('no `registry` or `docker-registry` on PATH: apt-get install docker-registry');
    });
    return;
  }
  (registryBinary ? describe : describe.skip)(name, body);
}

/** The error an SDK call fails with; the test fails if it succeeds. */
export { failure } from '@localcloud/gateway/testing';

export interface EcrTestBed {
  readonly gw: TestGateway;
  readonly ecr: ECRClient;
  /** `localhost:<port>` */
  readonly registryHost: string;
  close(): Promise<void>;
}

/** `env` is the gateway's; a variable given as undefined is unset (ECR_REGISTRY_LISTEN: its default port). */
export async function startEcrTestBed(
  env: Record<string, string | undefined> = {},
  services = 'ecr',
): Promise<EcrTestBed> {
  const gw = await startTestGateway({ env: { SERVICES: services, ECR_REGISTRY_LISTEN: '127.0.0.1:0', ...env } });
  const ecr = new ECRClient({ endpoint: gw.url, region: 'us-east-1', credentials: testCredentials() });
  // Loaded on first use: this is its first.
  const provider = (await gw.gateway.registry.ready('ecr')) as unknown as { registryHost: string };
  return {
    gw,
    ecr,
    registryHost: provider.registryHost,
    async close() {
      ecr.destroy();
      await gw.close();
    },
  };
}

/** `host:port/name` of `host:port/name:tag` or `host:port/name@sha256:…`. */
function repositoryOf(reference: string): string {
  const name = reference.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** The docker CLI with a configuration folder of its own, so logins never touch the user's ~/.docker. */
export class DockerCli {
  readonly configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-docker-'));
  private readonly tags = new Set<string>();

  async run(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        'docker',
        ['--config', this.configDir, ...args],
        { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  async ok(args: string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
    return result.stdout;
  }

  /** Builds a one-file image on the test busybox and tags it (removed by `cleanup`). */
  async buildImage(tag: string, content: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-img-'));
    fs.writeFileSync(path.join(dir, 'message.txt'), content);
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM localcloud-test/busybox:latest\nCOPY message.txt /message.txt\nCMD ["cat", "/message.txt"]\n',
    );
    await this.ok(['build', '-q', '-t', tag, dir]);
    fs.rmSync(dir, { recursive: true, force: true });
    this.tags.add(tag);
  }

  async tag(source: string, target: string): Promise<void> {
    await this.ok(['tag', source, target]);
    this.tags.add(target);
  }

  track(tag: string): void {
    this.tags.add(tag);
  }

  async cleanup(): Promise<void> {
    if (this.tags.size > 0) await run('docker', ['rmi', '-f', ...this.tags]).catch(() => undefined);
    // Images a moved tag left behind keep only their registry digest: remove those of our repositories too
    // (only ours: on the default port, localhost:4510, a developer's own pushed images share the registry).
    const repositories = new Set([...this.tags].filter((t) => /^[^/]+:\d+\//.test(t)).map(repositoryOf));
    if (repositories.size > 0) {
      const { stdout } = await run('docker', ['images', '--digests', '--format', '{{.Repository}} {{.ID}}']);
      const ids = stdout
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([repository]) => repository && repositories.has(repository))
        .map(([, imageId]) => imageId!);
      if (ids.length > 0) await run('docker', ['rmi', '-f', ...new Set(ids)]).catch(() => undefined);
    }
    fs.rmSync(this.configDir, { recursive: true, force: true });
  }
}
