import { InMemoryStateStore } from '../in-memory-state-store';
import type { StateStore } from '../state-store';

/*
 * A deterministic workload for crash tests: step i is exactly one durable call (a put, a delete or a
 * transaction), so "the state after n acknowledged steps" is well defined and can be computed in
 * memory to compare against what a crashed store recovers.
 */

const EPOCH = Date.UTC(2025, 0, 1);
const ITEM_KEYS = 16;

export interface Item {
  readonly seq: number;
  readonly createdAt: Date;
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>;
}

export function runStep(store: StateStore, i: number): void {
  const items = store.table<Item>('items');
  const log = store.table<{ seq: number; at: Date }>('log');
  switch (i % 6) {
    case 0:
    case 3:
      store.transaction(() => {
        items.put(itemKey(i), item(i));
        store.table<{ seq: number }>('meta').put('last', { seq: i });
        items.delete(itemKey(i + 7));
      });
      break;
    case 1:
    case 4:
      log.put(`e${i}`, { seq: i, at: new Date(EPOCH + i * 1000) });
      break;
    case 2:
      items.put(itemKey(i), item(i));
      break;
    default:
      log.delete(`e${i - 601}`);
  }
}

/** Every table's entries, in order: what two stores holding the same state agree on exactly. */
export function dump(store: StateStore): Record<string, Array<[string, unknown]>> {
  const tables: Record<string, Array<[string, unknown]>> = {};
  for (const name of ['items', 'log', 'meta']) tables[name] = [...store.table(name).entries()];
  return tables;
}

/** The state after steps 0 … steps-1. */
export function expectedAfter(steps: number): Record<string, Array<[string, unknown]>> {
  const store = new InMemoryStateStore();
  for (let i = 0; i < steps; i++) runStep(store, i);
  return dump(store);
}

function itemKey(i: number): string {
  return `k${i % ITEM_KEYS}`;
}

function item(i: number): Item {
  return { seq: i, createdAt: new Date(EPOCH + i), tags: [{ key: 'pad', value: 'x'.repeat(i % 40) }] };
}
