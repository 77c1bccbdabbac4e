/**
 * State per account and region, created on first use. Handlers receive the bundle for the request's
 * account and region only, so isolation is structural rather than remembered in every handler.
 */
export class AccountRegionStores<T> {
  private readonly bundles = new Map<string, T>();

  constructor(private readonly create: (accountId: string, region: string) => T) {}

  get(accountId: string, region: string): T {
    const key = `${accountId}/${region}`;
    let bundle = this.bundles.get(key);
    if (!bundle) {
      bundle = this.create(accountId, region);
      this.bundles.set(key, bundle);
    }
    return bundle;
  }

  /** Forgets every bundle: the next `get` creates it again (e.g. rebuilt from durable records after a rollback). */
  clear(): void {
    this.bundles.clear();
  }

  *entries(): IterableIterator<{ accountId: string; region: string; store: T }> {
    for (const [key, store] of this.bundles) {
      const [accountId, region] = key.split('/') as [string, string];
      yield { accountId, region, store };
    }
  }
}
