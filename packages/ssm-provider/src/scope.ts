import type { SSMStore } from './store';

/** What every handler works on: the caller's account and region, and only that state. */
export interface SSMScope {
  readonly scope: { readonly accountId: string; readonly region: string };
  readonly store: SSMStore;
}
