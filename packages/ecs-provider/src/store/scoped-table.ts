import BTree from 'sorted-btree';
import type { DurableTable } from '@localcloud/persistence';

export interface ScopedTableOptions<T> {
  /** Keep the keys sorted too, for listings that page through them in order (`keysAfter`). */
  readonly sorted?: boolean;
  /** Told of every record this view loads, puts or deletes: how an index over the records stays current. */
  readonly onChange?: (key: string, before: T | undefined, after: T | undefined) => void;
}

/**
 * One account's and region's view of a durable table shared by every account and region. Keys are stored
 * as `<accountId>/<region>/<key>`, and a view only ever builds keys with its own prefix, so a handler
 * holding it cannot read or write another account's records.
 *
 * The view keeps the set of its own keys (in insertion order) so that listing costs the size of the
 * account's data, not of everything stored; sorted, when asked, so that a page costs its own size.
 * Records are values: a change is a `put` of the new record.
 */
export class ScopedTable<T> {
  private readonly keys = new Set<string>();
  private readonly sortedKeys: BTree<string, undefined> | undefined;
  private readonly onChange: ScopedTableOptions<T>['onChange'];

  constructor(
    private readonly table: DurableTable<T>,
    private readonly prefix: string,
    options: ScopedTableOptions<T> = {},
  ) {
    this.sortedKeys = options.sorted ? new BTree<string, undefined>() : undefined;
    this.onChange = options.onChange;
    // Keys only, unless an index needs the records: a record not read stays undecoded (start-up).
    for (const key of table.keys()) {
      if (!key.startsWith(prefix)) continue;
      const own = key.slice(prefix.length);
      this.keys.add(own);
      this.sortedKeys?.set(own, undefined);
      if (this.onChange) this.onChange(own, undefined, table.get(key));
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
    const before = this.onChange && this.get(key);
    this.table.put(this.prefix + key, value);
    this.keys.add(key);
    this.sortedKeys?.set(key, undefined);
    this.onChange?.(key, before, value);
  }

  delete(key: string): void {
    const before = this.onChange && this.get(key);
    this.table.delete(this.prefix + key);
    this.keys.delete(key);
    this.sortedKeys?.delete(key);
    if (before !== undefined) this.onChange?.(key, before, undefined);
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

  /**
   * Keys in sorted order (code units), strictly after `after` (or from the first), or strictly before it
   * when descending. Only for a view made with `sorted`.
   */
  *keysAfter(after: string | undefined, descending = false): IterableIterator<string> {
    const sorted = this.sortedKeys;
    if (!sorted) throw new Error('keysAfter needs a view made with { sorted: true }');
    if (descending) {
      for (const [key] of sorted.entriesReversed(after, undefined, after !== undefined)) yield key;
    } else {
      for (const key of sorted.keys(after)) if (key !== after) yield key;
    }
  }
}
