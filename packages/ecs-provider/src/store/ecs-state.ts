import { AccountRegionStores } from '@localcloud/gateway';
import { openStateStore, type StateStore } from '@localcloud/persistence';
import { ECS_TABLES, EcsStore } from './ecs-store';
import { TASK_INDEX_MEMBERS } from './task-index';

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
  // The task index's members ride beside each task in a snapshot: building the index at open then
  // parses those few members, not every task (10,900 tasks of ~3.5 kB in the growth bench's state).
  const state = openStateStore({
    dir,
    onRollback: () => stores.clear(),
    snapshotMembers: { [ECS_TABLES.tasks]: TASK_INDEX_MEMBERS },
  });
  return { state, stores };
}
