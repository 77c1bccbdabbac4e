import type { ProviderContext } from '@localcloud/gateway';
import type { EcrScope } from '../ecr-scope';
import { registryPath } from '../image-uri';
import { listImages, partsOfIndexes } from '../registry/images';
import { expiredImages, parseLifecyclePolicy, type Expiry } from './rules';

/**
 * Applies repositories' lifecycle policies: deletes the images their rules expire from the registry (the
 * manifest, with every tag of it; layers stay on disk: Distribution collects blobs only offline). Runs after
 * every push, when a policy is set, and every ECR_LIFECYCLE_INTERVAL seconds for the rules that expire by age.
 * One evaluation at a time per repository, so a push and the periodic run never delete concurrently.
 */
export class LifecycleRunner {
  private readonly running = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      readonly scopeFor: (accountId: string, region: string) => EcrScope;
      /** Every account and region with state (to find repositories with a policy). */
      readonly scopes: () => Iterable<{ accountId: string; region: string }>;
      readonly logger: ProviderContext['logger'];
    },
  ) {}

  /** Evaluates one repository's policy now and deletes what it expires; the images expired. */
  apply(accountId: string, region: string, repositoryName: string): Promise<Expiry[]> {
    const key = `${accountId}/${region}/${repositoryName}`;
    const previous = this.running.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.evaluate(accountId, region, repositoryName));
    this.running.set(key, next);
    void next.finally(() => {
      if (this.running.get(key) === next) this.running.delete(key);
    });
    return next;
  }

  /** Like `apply`, for callers that must not fail with it (a push, the timer): errors are logged. */
  async applyQuietly(accountId: string, region: string, repositoryName: string): Promise<void> {
    try {
      await this.apply(accountId, region, repositoryName);
    } catch (error) {
      this.options.logger.warn(`ecr: lifecycle policy of ${repositoryName} not applied: ${(error as Error).message}`);
    }
  }

  /** Every repository with a policy, once. */
  async applyAll(): Promise<void> {
    for (const { accountId, region } of this.options.scopes()) {
      const { store } = this.options.scopeFor(accountId, region);
      for (const repository of store.repositories.values()) {
        if (repository.lifecyclePolicyText !== undefined) {
          await this.applyQuietly(accountId, region, repository.repositoryName);
        }
      }
    }
  }

  startTimer(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.applyAll(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  private async evaluate(accountId: string, region: string, repositoryName: string): Promise<Expiry[]> {
    const ctx = this.options.scopeFor(accountId, region);
    const text = ctx.store.repository(repositoryName)?.lifecyclePolicyText;
    if (text === undefined) return [];
    const images = await listImages(ctx, repositoryName);
    const parts = partsOfIndexes(images);
    const candidates = images.filter((image) => !parts.has(image.digest));
    const expired = expiredImages(parseLifecyclePolicy(text), candidates, ctx.now);
    const client = ctx.registry.client();
    const path = registryPath(accountId, region, repositoryName);
    for (const { image } of expired) {
      await client.deleteManifest(path, image.digest);
      ctx.store.imageDeleted(repositoryName, image.digest);
    }
    // Read again: the repository may have changed (or gone) while the registry was asked.
    const record = ctx.store.repository(repositoryName);
    if (record?.lifecyclePolicyText === text) {
      ctx.store.repositories.put(repositoryName, { ...record, lifecycleEvaluatedAt: ctx.now });
    }
    if (expired.length > 0) {
      this.options.logger.info(
        `ecr: lifecycle policy of ${repositoryName} expired ${expired.map((e) => e.image.digest).join(', ')}`,
      );
    }
    return expired;
  }
}
