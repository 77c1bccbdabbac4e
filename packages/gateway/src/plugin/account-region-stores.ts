/**
 * State per account and region, created on first use. Handlers receive the bundle for the request's
 * account and region only, so isolation is structural rather than remembered in every handler.
 */
export class AccountRegionStores<T> {
  private readonly bundles = new Map<string, T>();
  /**
   * The last bundle asked for, and its account and region: almost every call names the same ones (one
   * account and region, a task's every read and put on the way through its lifecycle), and comparing two
   * strings costs less than building and hashing the key (a StopTask asks ~20 times).
   */
  private last: { readonly accountId: string; readonly region: string; readonly bundle: T } | undefined;

  constructor(private readonly create: (accountId: string, region: string) => T) {}

  get(accountId: string, region: string): T {
    const last = this.last;
    if (last !== undefined && last.accountId === accountId && last.region === region) return last.bundle;
    const key = `${accountId}/${region}`;
    let bundle = this.bundles.get(key);
    if (!bundle) {
      bundle = this.create(accountId, region);
      this.bundles.set(key, bundle);
    }
    this.last = { accountId, region, bundle };
    return bundle;
  }

  /** Forgets every bundle: the next `get` creates it again (e.g. rebuilt from durable records after a rollback). */
  clear(): void {
    this.bundles.clear();
    this.last = undefined;
  }

  *entries(): IterableIterator<{ accountId: string; region: string; store: T }> {
    for (const [key, store] of this.bundles) {
      const [accountId, region] = key.split('/') as [string, string];
      yield { accountId, region, store };
    }
  }
}
