export type { DurableTable, StateStore, StateStoreHealth, StateStoreOptions } from './state-store';
export { stateStoresHealthUnder, type StateStoresHealth } from './open-stores';
export { openStateStore } from './open-state-store';
export { InMemoryStateStore } from './in-memory-state-store';
export { StoredDate, sharedStoredValue } from './json-codec';
export {
  JournalStateStore,
  DEFAULT_COMPACT_AFTER_BYTES,
  type JournalStateStoreOptions,
  type CompactionStep,
} from './journal-state-store';
export { answerWhenDurable } from './group-commit';
export {
  CorruptStateError,
  DataDirLockedError,
  StateStoreUnavailableError,
  StateStoreWriteError,
  isStateStoreWriteError,
} from './errors';
