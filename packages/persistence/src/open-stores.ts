import * as path from 'node:path';
import type { StateStoreHealth } from './state-store';

/**
 * Journal stores open in this process, by data directory. Process-wide, as the directory locks are: a
 * data directory belongs to the process, and the gateway's health answer asks by directory (each
 * provider keeps its stores below `DATA_DIR/<service>`) without knowing which provider opened what.
 */
const openStores = new Map<string, { health(): StateStoreHealth }>();

/** Registers an open store; the returned function forgets it (on close). */
export function trackOpenStore(dir: string, store: { health(): StateStoreHealth }): () => void {
  openStores.set(dir, store);
  return () => {
    if (openStores.get(dir) === store) openStores.delete(dir);
  };
}

/** What the open stores at or below one directory report, summed. */
export interface StateStoresHealth {
  readonly stores: number;
  /** How many of them refuse writes (until a restart). */
  readonly refusingWrites: number;
  /** Their failed journal writes, syncs and recoveries since they opened. */
  readonly writeFailures: number;
  readonly lastWriteFailure?: string;
}

/** The health of every journal store open in this process at or below `dir`. */
export function stateStoresHealthUnder(dir: string): StateStoresHealth {
  const root = path.resolve(dir);
  let stores = 0;
  let refusingWrites = 0;
  let writeFailures = 0;
  let lastWriteFailure: string | undefined;
  for (const [storeDir, store] of openStores) {
    if (storeDir !== root && !storeDir.startsWith(root + path.sep)) continue;
    const health = store.health();
    stores++;
    if (health.refusingWrites) refusingWrites++;
    writeFailures += health.writeFailures;
    lastWriteFailure = health.lastWriteFailure ?? lastWriteFailure;
  }
  return { stores, refusingWrites, writeFailures, ...(lastWriteFailure !== undefined && { lastWriteFailure }) };
}
