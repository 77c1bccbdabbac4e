import { AccountRegionStores } from '@localcloud/gateway';
import { openStateStore, type StateStore } from '@localcloud/persistence';
import { EcsStore } from './ecs-store';

export interface EcsState {
  readonly state: StateStore;
  /** The views of each account and region, with their listing indexes, built on first use. */
  readonly stores: AccountRegionStores<EcsStore>;
}

/**
 * The ECS provider's state store (journal in `dir`, or memory) and its views. A failed sync undoes
 * records that the views' indexes (key sets, sorted families, the task index) still hold, so the views
 * are dropped at once, before anyone hears of the failure: each is built again from the records as they
 * now are, by the one constructor that builds it at start-up.
 */
export function openEcsState(dir: string | undefined): EcsState {
  const stores = new AccountRegionStores((accountId, region) => new EcsStore(state, { accountId, region }));
  const state = openStateStore({ dir, onRollback: () => stores.clear() });
  return { state, stores };
}
