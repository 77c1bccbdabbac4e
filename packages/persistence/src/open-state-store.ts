import { InMemoryStateStore } from './in-memory-state-store';
import { JournalStateStore } from './journal-state-store';
import type { StateStore, StateStoreOptions } from './state-store';

/** A journal store in `dir` (recovering what is there), or an in-memory store without one. */
export function openStateStore(options: StateStoreOptions): StateStore {
  const { dir, ...journalOptions } = options;
  // In memory nothing is ever read back, so snapshotMembers has nothing to do there.
  return dir === undefined ? new InMemoryStateStore() : new JournalStateStore({ dir, ...journalOptions });
}
