import type { ServiceDiscoveryStore } from './store';
import type { Scope } from './ids';

/** What every handler works on: the caller's account and region, and only that state. */
export interface ServiceDiscoveryScope {
  readonly scope: Scope;
  readonly store: ServiceDiscoveryStore;
}
