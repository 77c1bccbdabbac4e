import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GatewayInfo, ProviderContext, ProviderHealth } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import { ModelledProvider, serviceModel, type AccountRegion } from '@localcloud/aws-model';
import * as generatedModel from './generated/ecr-model.json';
import { ECR_HANDLERS } from './operations';
import type { EcrScope, RegistryAccess } from './ecr-scope';
import { EcrStore } from './store';
import { AuthTokens } from './auth-tokens';
import { ServerException } from './errors';
import { AuthFront } from './registry/auth-front';
import { RegistryGate } from './registry/gate';
import { RegistryClient } from './registry/registry-client';
import {
  INSTALL_HINT,
  RegistryProcess,
  endLeftBehind,
  findRegistryBinary,
  registryMissingReason,
} from './registry/registry-process';
import { parseInterval, parseListen } from './settings';
import { LifecycleRunner } from './lifecycle/lifecycle-runner';
import { parseEcrImage, registryPath } from './image-uri';

/** The API model generated from @aws-sdk/client-ecr (`npm run generate`). */
export const ECR_MODEL = serviceModel(generatedModel);

export interface EcrProviderOptions {
  /** Milliseconds since the epoch; tests may fix it. */
  readonly clock?: () => number;
}

/**
 * Amazon ECR as a localcloud provider plugin: the API on the gateway, images in a real registry (CNCF
 * Distribution) that localcloud supervises behind an auth front of its own (docs/ecr-provider.md).
 */
export class EcrProvider extends ModelledProvider<EcrStore, EcrScope> {
  private readonly clock: () => number;
  private tokens: AuthTokens | undefined;
  private front: AuthFront | undefined;
  /** The registry, when its binary was found at start; its process starts on first use. */
  private process: RegistryProcess | undefined;
  private registryClient: RegistryClient | undefined;
  /** The registry process's start, begun by the first request that needs it. */
  private registryStart: Promise<void> | undefined;
  private registryPhase: 'on first use' | 'starting' | 'started' | 'failed' = 'on first use';
  private stopped = false;
  private storageDir: string | undefined;
  private host: string | undefined;
  private unavailable: string = INSTALL_HINT;
  private readonly lifecycle: LifecycleRunner;

  constructor(context: ProviderContext, options: EcrProviderOptions = {}) {
    super(context, {
      service: { name: 'ecr', targetPrefix: 'AmazonEC2ContainerRegistry_V20150921', protocol: 'json1.1' },
      model: ECR_MODEL,
      handlers: ECR_HANDLERS,
      // ECR answers constraint violations with InvalidParameterException.
      validationErrorCode: 'InvalidParameterException',
    });
    this.clock = options.clock ?? Date.now;
    this.lifecycle = new LifecycleRunner({
      scopeFor: (accountId, region) => this.scopeFor({ accountId, region }),
      scopes: () => this.knownScopes(),
      logger: context.logger,
    });
  }

  /** One per account and region: `<DATA_DIR>/ecr/<account>/<region>` with PERSISTENCE=1. */
  protected openStore(dir: string | undefined): EcrStore {
    return new EcrStore(openStateStore({ dir }));
  }

  /**
   * Starts the auth front on ECR_REGISTRY_LISTEN. The registry behind it is a process of its own, started
   * by the first request that needs it (docs/ecr-provider.md): most sessions never push or pull an image,
   * and spawning it at start cost every start a fork and its readiness wait. Without a registry binary
   * the API still answers; what needs the registry answers ServerException naming what to install.
   */
  async start(_gateway: GatewayInfo): Promise<void> {
    const { env, logger, persistence } = this.context;
    this.tokens = AuthTokens.open(persistence.enabled ? path.join(persistence.dataDir, 'ecr') : undefined);
    const listen = parseListen(env.ECR_REGISTRY_LISTEN ?? '127.0.0.1:4510');
    const lifecycleInterval = parseInterval(env.ECR_LIFECYCLE_INTERVAL);
    const gate = new RegistryGate({
      store: (accountId, region) => this.stores.get(accountId, region),
      client: () => this.registryClient,
      clock: this.clock,
      pushed: (accountId, region, repositoryName) => this.lifecycle.applyQuietly(accountId, region, repositoryName),
    });
    this.front = new AuthFront({
      tokens: this.tokens,
      gate,
      registrySocket: async () => {
        if (!this.process) return undefined;
        await this.startRegistry();
        return this.process.running ? this.process.socketPath : undefined;
      },
      logger,
      clock: this.clock,
    });
    let port: number;
    try {
      port = await this.front.listen(listen.host, listen.port);
    } catch (error) {
      throw new Error(
        `ecr: cannot listen on ${listen.host}:${listen.port} for the image registry (${(error as Error).message}); ` +
          'set ECR_REGISTRY_LISTEN to a free port, or SERVICES without ecr',
      );
    }
    this.host = `${env.ECR_REGISTRY_HOST ?? 'localhost'}:${port}`;
    // A registry a killed gateway left running is ended now, whether or not this one ever starts its own.
    if (persistence.enabled) endLeftBehind(this.registryPidFile()!, logger);

    const binary = findRegistryBinary(env);
    if (!binary) {
      this.unavailable = registryMissingReason(env);
      logger.warn(`ecr: ${this.unavailable}`);
      return;
    }
    this.storageDir = persistence.enabled
      ? path.join(persistence.dataDir, 'ecr', 'registry')
      : fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-storage-'));
    const registry = new RegistryProcess({
      binary,
      storageDir: this.storageDir,
      logger,
      pidFile: this.registryPidFile(),
    });
    this.process = registry;
    // Every registry request goes through this client, which starts the registry first if it has not.
    this.registryClient = new RegistryClient(registry.socketPath, async () => {
      await this.startRegistry();
      if (!registry.running) throw new ServerException(this.unavailable);
    });
    // Rules that expire by age need a clock, not a push: evaluated periodically too (a repository with a
    // lifecycle policy starts the registry then).
    this.lifecycle.startTimer(lifecycleInterval * 1000);
  }

  /** Starts the registry process once; a start that fails leaves its reason for every later request. */
  private startRegistry(): Promise<void> {
    this.registryStart ??= (async () => {
      const registry = this.process!;
      const { logger } = this.context;
      if (this.stopped) {
        this.registryPhase = 'failed';
        this.unavailable = 'The ECR provider is stopping.';
        return;
      }
      this.registryPhase = 'starting';
      try {
        await registry.start();
        this.registryPhase = 'started';
        logger.info(`ecr: registry started, serving ${this.host}`);
      } catch (error) {
        this.registryPhase = 'failed';
        this.unavailable = `The image registry did not start: ${(error as Error).message}`;
        logger.error(`ecr: ${this.unavailable}`);
        await registry.stop();
      }
    })();
    return this.registryStart;
  }

  private registryPidFile(): string | undefined {
    const { enabled, dataDir } = this.context.persistence;
    return enabled ? path.join(dataDir, 'ecr', 'registry.pid') : undefined;
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    await this.lifecycle.stop();
    await this.front?.close();
    // A start under way finishes first, so the process it spawned is stopped too.
    await this.registryStart;
    await this.process?.stop();
    if (this.storageDir && !this.context.persistence.enabled)
      fs.rmSync(this.storageDir, { recursive: true, force: true });
    await super.stop();
  }

  override async health(): Promise<ProviderHealth> {
    const persistence = this.context.persistence.enabled;
    // Before start (other providers start first) the front is not listening yet; nothing has failed.
    if (!this.host) return { status: 'running', persistence, registry: 'starting' };
    const registry = this.process;
    const phase = this.registryPhase;
    // No binary, a failed start, or a registry that exited and is being started again by its supervisor.
    if (!registry || phase === 'failed' || (phase === 'started' && !registry.running)) {
      return { status: 'degraded', persistence, registry: this.unavailable };
    }
    return {
      status: 'running',
      persistence,
      registry: this.host,
      registryProcess: phase === 'started' ? 'running' : phase,
    };
  }

  /**
   * For ECS (in-process): how to pull `image` for a task, when it names an ECR repository of an emulated
   * account (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` or `@sha256:…`, or a `repositoryUri`):
   * the local registry's reference, a token for it (as the agent pulls with the execution role), and the
   * digest. Undefined for other images. Throws with ECR's reason when the repository or image is missing.
   */
  async resolveImage(
    _scope: { accountId: string; region: string },
    image: string,
  ): Promise<
    { ref: string; auth: { username: string; password: string; serveraddress: string }; digest: string } | undefined
  > {
    const host = this.host;
    const name = host ? parseEcrImage(image, host) : undefined;
    if (!host || !name || !this.tokens) return undefined;
    const repository = this.stores.get(name.accountId, name.region).repository(name.repositoryName);
    if (!repository) {
      throw new Error(
        `The repository with name '${name.repositoryName}' does not exist in the registry with id '${name.accountId}'`,
      );
    }
    if (!this.registryClient) throw new Error(this.unavailable);
    const path = registryPath(name.accountId, name.region, name.repositoryName);
    const reference = name.digest ?? name.tag!;
    const manifest = await this.registryClient.manifest(path, reference);
    if (!manifest) {
      throw new Error(
        `failed to resolve ref ${image}: not found: the image ${name.digest ? `with digest '${name.digest}'` : `tag '${name.tag}'`} does not exist within the repository with name '${name.repositoryName}' in the registry with id '${name.accountId}'`,
      );
    }
    const { password } = this.tokens.issue({ accountId: name.accountId, region: name.region }, this.clock());
    return {
      ref: name.digest ? `${host}/${path}@${name.digest}` : `${host}/${path}:${name.tag}`,
      auth: { username: 'AWS', password, serveraddress: host },
      digest: manifest.digest,
    };
  }

  /** The registry's address, `localhost:<port>`, once started. */
  get registryHost(): string | undefined {
    return this.host;
  }

  private registryAccess(): RegistryAccess {
    const host = this.host;
    const tokens = this.tokens;
    if (!host || !tokens) throw new ServerException('The ECR provider has not started yet.');
    return {
      host,
      tokens,
      client: () => {
        if (!this.registryClient) throw new ServerException(this.unavailable);
        return this.registryClient;
      },
      removeRepositoryStorage: (repositoryPath) => {
        if (!this.storageDir) return;
        const dir = path.join(this.storageDir, 'docker/registry/v2/repositories', repositoryPath);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  protected scopeFor(scope: AccountRegion): EcrScope {
    return {
      scope: { accountId: scope.accountId, region: scope.region },
      store: this.stores.get(scope.accountId, scope.region),
      registry: this.registryAccess(),
      now: new Date(this.clock()),
      applyLifecycle: (repositoryName) => this.lifecycle.applyQuietly(scope.accountId, scope.region, repositoryName),
    };
  }

  /** Accounts and regions with state: those used since start, and with persistence those on disk. */
  private *knownScopes(): Iterable<{ accountId: string; region: string }> {
    const seen = new Set<string>();
    for (const { accountId, region } of this.stores.entries()) {
      seen.add(`${accountId}/${region}`);
      yield { accountId, region };
    }
    const { enabled, dataDir } = this.context.persistence;
    if (!enabled) return;
    const root = path.join(dataDir, 'ecr');
    const dirs = (dir: string) => {
      try {
        return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
      } catch {
        return [];
      }
    };
    for (const account of dirs(root).filter((e) => /^[0-9]{12}$/.test(e.name))) {
      for (const region of dirs(path.join(root, account.name))) {
        if (!seen.has(`${account.name}/${region.name}`)) yield { accountId: account.name, region: region.name };
      }
    }
  }
}
