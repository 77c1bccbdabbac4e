import { StateStoreUnavailableError } from './errors';
import type { DurableTable, StateStore, StateStoreHealth } from './state-store';
import { TableSet } from './table-set';

/** State in memory only (`PERSISTENCE` off), with the same copy, freeze and transaction rules as the journal store. */
export class InMemoryStateStore implements StateStore {
  private closed = false;
  private readonly tables = new TableSet(() => {
    if (this.closed) throw new StateStoreUnavailableError('the state store is closed');
  });

  table<T>(name: string): DurableTable<T> {
    return this.tables.table<T>(name);
  }

  transaction(fn: () => void): void {
    this.tables.transaction(fn);
  }

  durable(): Promise<void> {
    return Promise.resolve();
  }

  health(): StateStoreHealth {
    return { refusingWrites: false, writeFailures: 0 };
  }

  close(): void {
    this.closed = true;
  }
}
