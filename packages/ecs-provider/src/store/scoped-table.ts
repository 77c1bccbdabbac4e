import type { DurableTable } from '@localcloud/persistence';

/**
 * One account's and region's view of a durable table shared by every account and region. Keys are stored
 * as `<accountId>/<region>/<key>`, and a view only ever builds keys with its own prefix, so a handler
 * holding it cannot read or write another account's records.
 *
 * The view keeps the set of its own keys (in insertion order) so that listing costs the size of the
 * account's data, not of everything stored. Records are values: a change is a `put` of the new record.
 */
export class ScopedTable<T> {
  private readonly keys = new Set<string>();

  constructor(
    private readonly table: DurableTable<T>,
    private readonly prefix: string,
  ) {
    for (const [key] of table.entries()) {
      if (key.startsWith(prefix)) this.keys.add(key.slice(prefix.length));
    }
  }

  get(key: string): T | undefined {
    return this.keys.has(key) ? this.table.get(this.prefix + key) : undefined;
  }

  has(key: string): boolean {
    return this.keys.has(key) && this.table.has(this.prefix + key);
  }

  get size(): number {
    return this.keys.size;
  }

  put(key: string, value: T): void {
    this.table.put(this.prefix + key, value);
    this.keys.add(key);
  }

  delete(key: string): void {
    this.table.delete(this.prefix + key);
    this.keys.delete(key);
  }

  *entries(): IterableIterator<[string, T]> {
    for (const key of this.keys) {
      const value = this.table.get(this.prefix + key);
      if (value !== undefined) yield [key, value];
    }
  }

  *values(): IterableIterator<T> {
    for (const [, value] of this.entries()) yield value;
  }
}
