import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A gateway in its own process (from source), so a test can SIGKILL it or read its console. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<NodeJS.Signals | null>;
  /** Everything it wrote to stdout so far (task output on the console). */
  stdout(): string;
  /** Everything it wrote to stderr so far (its log). */
  stderr(): string;
}

/** Starts `packages/gateway/src/main.ts` with persistence in `dataDir`; resolves once it logged "ready". */
export function startGatewayProcess(dataDir: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'gateway-from-source.js')], {
    env: {
      ...process.env,
      SERVICES: 'ecs',
      GATEWAY_LISTEN: '127.0.0.1:0',
      PERSISTENCE: '1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    // A guard against a hang, not a measure: transpiling the sources on a loaded machine took over 30 s in CI.
    const timer = setTimeout(() => {
      // Not left running: an orphaned gateway keeps jest from exiting after the run.
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within 90 s:\n${stderr}`));
    }, 90_000);
    void exited.then(() => {
      settled = true;
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready:\n${stderr}`));
    });
    const poll = () => {
      if (settled) return;
      const match = /localcloud ready on \S+ \(listening on (\S+)\)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: `http://${match[1]!}`, exited, stdout: () => stdout, stderr: () => stderr });
        return;
      }
      setTimeout(poll, 50);
    };
    poll();
  });
}
