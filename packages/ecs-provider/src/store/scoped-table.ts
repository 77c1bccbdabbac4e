import BTree from 'sorted-btree';
import type { DurableTable } from '@localcloud/persistence';

export interface ScopedTableOptions<T> {
  /** Keep the keys sorted too, for listings that page through them in order (`keysAfter`). */
  readonly sorted?: boolean;
  /**
   * Told of every record this view loads, puts or deletes: how an index over the records stays current.
   * It sees only `indexMembers` of each record, read without decoding the rest (start-up stays cheap).
   */
  readonly onChange?: (key: string, before: Partial<T> | undefined, after: Partial<T> | undefined) => void;
  /** The members `onChange` needs. */
  readonly indexMembers?: readonly (keyof T & string)[];
  /** Told before every put or delete: how the owner knows a transaction that threw had touched its indexes. */
  readonly onWrite?: () => void;
  /**
   * Told after every put through this view (with the value put) and every delete (with undefined), never on
   * `load`: how an index built lazily from the records it reads stays current without the view reading
   * every record at start-up (EcsStore's task-definition listings).
   */
  readonly afterWrite?: (key: string, value: T | undefined) => void;
}

/**
 * One account's and region's view of a durable table shared by every account and region. Keys are stored
 * as `<accountId>/<region>/<key>`, and a view only ever builds keys with its own prefix, so a handler
 * holding it cannot read or write another account's records.
 *
 * Once listed, the view keeps the set of its own keys (in insertion order) so that listing again costs
 * the size of the account's data, not of everything stored; sorted, when asked, so that a page costs its
 * own size. A lookup by key goes to the table directly.
 * Records are values: a change is a `put` of the new record.
 */
export class ScopedTable<T> {
  /** The view's own keys in insertion order, made on first need (listing all, size): not at start-up. */
  private ownKeys: Set<string> | undefined;
  private readonly sortedKeys: BTree<string, undefined> | undefined;
  private readonly onChange: ScopedTableOptions<T>['onChange'];
  private readonly indexMembers: readonly (keyof T & string)[];
  private readonly onWrite: ScopedTableOptions<T>['onWrite'];
  private readonly afterWrite: ScopedTableOptions<T>['afterWrite'];
  private changes = 0;

  constructor(
    private readonly table: DurableTable<T>,
    private readonly prefix: string,
    options: ScopedTableOptions<T> = {},
  ) {
    this.sortedKeys = options.sorted ? new BTree<string, undefined>() : undefined;
    this.onChange = options.onChange;
    this.indexMembers = options.indexMembers ?? [];
    this.onWrite = options.onWrite;
    this.afterWrite = options.afterWrite;
    this.load();
  }

  /**
   * (Re)builds the view's indexes from the table: the sorted keys, and `onChange` told of every record
   * (after its own index was cleared) with only the index's members of each, so a record not read stays
   * undecoded. A view with neither reads nothing here (start-up).
   */
  load(): void {
    this.ownKeys = undefined;
    this.sortedKeys?.clear();
    if (!this.sortedKeys && !this.onChange) return;
    const own = this.scanKeys();
    this.ownKeys = new Set(own);
    if (this.sortedKeys) for (const key of own.sort()) this.sortedKeys.set(key, undefined);
    if (this.onChange) for (const key of this.ownKeys) this.onChange(key, undefined, this.indexed(key));
  }

  private scanKeys(): string[] {
    const own: string[] = [];
    for (const key of this.table.keys()) if (key.startsWith(this.prefix)) own.push(key.slice(this.prefix.length));
    return own;
  }

  private keys(): Set<string> {
    return (this.ownKeys ??= new Set(this.scanKeys()));
  }

  private indexed(key: string): Partial<T> | undefined {
    return this.table.members(this.prefix + key, this.indexMembers) as Partial<T> | undefined;
  }

  get(key: string): T | undefined {
    return this.table.get(this.prefix + key);
  }

  has(key: string): boolean {
    return this.table.has(this.prefix + key);
  }

  /**
   * Only the named top-level members of a record, for an index built from many records: one not read
   * since start-up is parsed for them and stays as it was, where `get` would keep it decoded.
   */
  members<K extends keyof T & string>(key: string, names: readonly K[]): Partial<Pick<T, K>> | undefined {
    return this.table.members(this.prefix + key, names) as Partial<Pick<T, K>> | undefined;
  }

  /**
   * Puts and deletes through this view so far: a reader that saw this number and sees it again knows
   * none of the view's records changed through it in between (a failed sync replaces the view itself).
   */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.keys().size;
  }

  put(key: string, value: T): void {
    this.changes++;
    this.onWrite?.();
    const before = this.onChange && this.indexed(key);
    this.table.put(this.prefix + key, value);
    this.ownKeys?.add(key);
    this.sortedKeys?.set(key, undefined);
    this.onChange?.(key, before, value);
    this.afterWrite?.(key, value);
  }

  delete(key: string): void {
    this.changes++;
    this.onWrite?.();
    const before = this.onChange && this.indexed(key);
    this.table.delete(this.prefix + key);
    this.ownKeys?.delete(key);
    this.sortedKeys?.delete(key);
    if (before !== undefined) this.onChange?.(key, before, undefined);
    this.afterWrite?.(key, undefined);
  }

  *entries(): IterableIterator<[string, T]> {
    for (const key of this.keys()) {
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
