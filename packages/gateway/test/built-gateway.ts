import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.join(__dirname, '../../..');
/** `npm start`'s file as built by scripts/bundle.js. */
export const LOADER = path.join(ROOT, 'packages/gateway/dist/localcloud.js');

/** A gateway run from a built file in its own process, as `npm start` runs it. */
export interface BuiltGateway {
  readonly endpoint: string;
  /** All it has written on stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for it to exit and removes its folder. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `file` (run `npm run build` first) on a free port, in memory, logging errors only, with `preload`'s
 * source (if any) given to Node's `-r`, and resolves once its health answer is 200. `env` adds to or
 * overrides that environment.
 */
export async function startBuiltGateway(
  file: string,
  { env = {}, preload }: { env?: NodeJS.ProcessEnv; preload?: string } = {},
): Promise<BuiltGateway> {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-built-'));
  const args = [file];
  if (preload !== undefined) {
    fs.writeFileSync(path.join(dir, 'preload.js'), preload);
    args.unshift('-r', path.join(dir, 'preload.js'));
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      LOG_LEVEL: 'error',
      DATA_DIR: path.join(dir, 'data'),
      PERSISTENCE: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const answered = await fetch(`${endpoint}/_localcloud/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) break;
    if (i > 300 || child.exitCode !== null) {
      await stop();
      throw new Error(`the gateway did not answer:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { endpoint, stderr: () => stderr, stop };
}
