import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ProviderContext } from '@localcloud/gateway';

type Logger = ProviderContext['logger'];

/** Names the CNCF Distribution registry binary goes by: upstream's and Debian's (package docker-registry). */
const BINARY_NAMES = ['registry', 'docker-registry'];

/** Why registry-backed operations cannot run: the words users see in errors. */
export const INSTALL_HINT =
  'The image registry is not available: install the CNCF Distribution registry (Debian/Ubuntu: ' +
  '`apt-get install docker-registry`; or put its `registry` binary on PATH, or set ECR_REGISTRY_BINARY).';

/**
 * The registry binary: ECR_REGISTRY_BINARY (when it is an executable file), else the first of `registry`,
 * `docker-registry` on PATH.
 */
export function findRegistryBinary(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.ECR_REGISTRY_BINARY) return isExecutableFile(env.ECR_REGISTRY_BINARY) ? env.ECR_REGISTRY_BINARY : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of BINARY_NAMES) {
      const candidate = path.join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Why `findRegistryBinary` found none, in the words users see: a mistyped ECR_REGISTRY_BINARY is named as
 * such, not answered with advice to install what may well be installed.
 */
export function registryMissingReason(env: Readonly<Record<string, string | undefined>>): string {
  if (!env.ECR_REGISTRY_BINARY) return INSTALL_HINT;
  return (
    `The image registry is not available: ECR_REGISTRY_BINARY is ${env.ECR_REGISTRY_BINARY}, which is not an ` +
    'executable file. Set it to the CNCF Distribution registry binary (Debian/Ubuntu: ' +
    '`apt-get install docker-registry`), or unset it to search PATH.'
  );
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** What a pid file records: the registry's pid and the config it was started with (its run folder's own). */
export interface RegistryPid {
  readonly pid: number;
  readonly config: string;
}

/** The pid file's record; undefined when it is missing or not ours (a pid file of an older version). */
export function readPidFile(pidFile: string): RegistryPid | undefined {
  try {
    const { pid, config } = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as Partial<RegistryPid>;
    return Number.isInteger(pid) && typeof config === 'string' ? { pid: pid!, config } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ends the registry a gateway killed with -9 left running, as its pid file names it: only if that pid's
 * command line is `serve <the config the pid file records>`. A pid is reused, and this runs at start and
 * again at the lazy registry start (maybe hours later): `serve` and a run folder of ours alone could name
 * another gateway's registry. Cheap enough for every start, so a left-behind registry does not outlive the
 * next gateway's start even when that one never needs its own.
 */
export function endLeftBehind(pidFile: string, logger: Logger): void {
  const recorded = readPidFile(pidFile);
  if (!recorded) return;
  try {
    const args = fs.readFileSync(`/proc/${recorded.pid}/cmdline`, 'utf8').split('\0');
    const serving = args.indexOf('serve');
    if (serving >= 0 && args[serving + 1] === recorded.config) {
      process.kill(recorded.pid, 'SIGKILL');
      logger.warn(`ecr: ended registry ${recorded.pid} left behind by an earlier gateway`);
    }
  } catch {
    // no such process, or no /proc (not Linux): nothing to end
  }
}

export interface RegistryProcessOptions {
  readonly binary: string;
  /** Image storage; kept across restarts when it is under the data directory. */
  readonly storageDir: string;
  readonly logger: Logger;
  /**
   * Where the registry's pid is kept (with persistence): a gateway killed with -9 cannot stop its registry,
   * so the next start ends the one left behind before starting its own.
   */
  readonly pidFile?: string;
}

/**
 * Runs the registry as a child process on a Unix socket of its own (nothing else can reach it; the auth
 * front is its only door) and starts it again when it exits unexpectedly, with a growing pause.
 */
export class RegistryProcess {
  /** Where the registry listens; requests go there with `socketPath`. */
  readonly socketPath: string;
  private readonly runDir: string;
  private readonly configFile: string;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RegistryProcessOptions) {
    // Unix socket paths are limited to ~107 bytes, so the socket lives in a short temporary folder.
    this.runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-'));
    this.socketPath = path.join(this.runDir, 'registry.sock');
    this.configFile = path.join(this.runDir, 'config.yml');
  }

  /** Starts the registry and resolves once it answers `GET /v2/`. */
  async start(): Promise<void> {
    fs.mkdirSync(this.options.storageDir, { recursive: true });
    fs.writeFileSync(this.configFile, this.config());
    if (this.options.pidFile) endLeftBehind(this.options.pidFile, this.options.logger);
    this.spawn();
    await this.waitReady(20_000);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.runDir, { recursive: true, force: true });
    this.removePidFile(child?.pid);
  }

  /** Removes the pid file if it still names this registry (another gateway may have written it since). */
  private removePidFile(pid: number | undefined): void {
    const { pidFile } = this.options;
    if (!pidFile || pid === undefined) return;
    const recorded = readPidFile(pidFile);
    if (recorded?.pid === pid && recorded.config === this.configFile) fs.rmSync(pidFile, { force: true });
  }

  private config(): string {
    // JSON is YAML: no YAML library needed. No blob descriptor cache: the provider removes deleted
    // repositories' folders itself, and a cache would remember them.
    return JSON.stringify({
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true }, fields: { service: 'localcloud-ecr-registry' } },
      storage: {
        filesystem: { rootdirectory: this.options.storageDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: {
        net: 'unix',
        addr: this.socketPath,
        secret: randomBytes(16).toString('hex'),
        // Location headers relative to the request: the client resolves them against the auth front's address.
        relativeurls: true,
      },
    });
  }

  private spawn(): void {
    fs.rmSync(this.socketPath, { force: true });
    const child = spawn(this.options.binary, ['serve', this.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (this.options.pidFile && child.pid) {
      const record: RegistryPid = { pid: child.pid, config: this.configFile };
      fs.writeFileSync(this.options.pidFile, JSON.stringify(record));
    }
    const log = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        this.options.logger.debug(`ecr registry: ${line}`);
      }
    };
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    child.on('error', (error) => this.options.logger.error(`ecr registry could not start: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
      this.options.logger.warn(`ecr registry exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
      this.restartTimer = setTimeout(() => {
        this.spawn();
        this.waitReady(20_000).then(
          () => (this.restarts = 0),
          () => undefined,
        );
      }, delay);
    });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.ping()) return;
      if (this.child?.exitCode !== null || this.child?.signalCode !== null) {
        throw new Error(`the registry (${this.options.binary}) exited at start-up; LOG_LEVEL=debug shows its output`);
      }
      if (Date.now() > deadline) throw new Error(`the registry did not answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const request = http.get({ socketPath: this.socketPath, path: '/v2/' }, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      });
      request.on('error', () => resolve(false));
      request.setTimeout(2_000, () => request.destroy());
    });
  }
}
