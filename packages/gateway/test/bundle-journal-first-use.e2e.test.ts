import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// Runs the built bundle (`npm run build` first), as `npm start` does. Persistence's journal store is a
// FIRST_USE stand-in there (scripts/bundle.js): in memory it is never evaluated, with PERSISTENCE=1 it is.
const LOADER = path.join(__dirname, '../dist/localcloud.js');
const AUTH = 'AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function ecs(port: number, operation: string, body: object): Promise<Record<string, unknown>> {
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
          authorization: AUTH,
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    } catch (error) {
      // Refused until the port accepts.
      if (i > 200 || !String((error as Error).cause ?? error).includes('ECONNREFUSED')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('the bundle: persistence journal store evaluated on first use', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-journal-first-use-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => child?.kill('SIGKILL'));

  const start = async () => {
    const port = await freePort();
    child = spawn(process.execPath, [LOADER], {
      env: {
        ...process.env,
        PERSISTENCE: '1',
        DATA_DIR: dir,
        GATEWAY_LISTEN: `127.0.0.1:${port}`,
        LOG_LEVEL: 'error',
        LOCALCLOUD_RUN_AS_ROOT: '1',
      },
      stdio: 'ignore',
    });
    return port;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      child!.once('exit', () => resolve());
      child!.kill('SIGTERM');
    });

  it('writes a cluster to the journal and reads it back after a restart', async () => {
    let port = await start();
    await ecs(port, 'CreateCluster', { clusterName: 'kept' });
    await stop();
    expect(fs.readdirSync(path.join(dir, 'ecs')).some((name) => name.startsWith('journal-'))).toBe(true);

    port = await start();
    const listed = await ecs(port, 'ListClusters', {});
    expect(listed.clusterArns).toContain('arn:aws:ecs:us-east-1:000000000000:cluster/kept');
    await stop();
  }, 60_000);
});
