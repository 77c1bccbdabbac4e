/**
 * One named table of records, keyed by string. Reads come from memory; writes are visible at once and
 * durable once the store's `durable()` resolves.
 *
 * Values are stored as copies made through JSON (Dates kept as Dates) and returned deeply frozen:
 * what you read is exactly what a restart will give back, and changing a record without `put`
 * (which would be lost on restart) throws instead of silently diverging. To change a record, put a
 * new object: `table.put(key, { ...old, status: 'INACTIVE' })`.
 */
export interface DurableTable<T> {
  get(key: string): T | undefined;
  /**
   * Only the named top-level members of a record (those it has), for indexes and scans: a record not
   * read since start-up stays undecoded, its other members skipped rather than built. Undefined if absent.
   */
  members<K extends keyof T & string>(key: string, names: readonly K[]): Partial<Pick<T, K>> | undefined;
  has(key: string): boolean;
  /** In insertion order, without reading the records (cheaper than `entries` right after start-up). */
  keys(): IterableIterator<string>;
  /** In insertion order; a put to an existing key keeps its position. */
  values(): IterableIterator<T>;
  entries(): IterableIterator<[string, T]>;
  readonly size: number;
  /** Visible when it returns; durable once `StateStore.durable()` resolves (the journal appended at once). */
  put(key: string, value: T): void;
  /** Deleting a missing key is a no-op. */
  delete(key: string): void;
}

export interface StateStore {
  /**
   * A named table; the same name returns the same table.
   * Records are JSON-serialisable (Dates allowed: revive them).
   */
  table<T>(name: string): DurableTable<T>;
  /**
   * Several puts/deletes as one atomic journal entry: all or none survive a crash. Reads inside `fn`
   * see its writes. If `fn` throws, its writes are undone and nothing is written. A transaction
   * inside a transaction joins the outer one.
   */
  transaction(fn: () => void): void;
  /**
   * Resolves once every change made so far is durable (at once in memory, or when the store does not
   * fsync). Concurrent callers share one fdatasync (group commit). Answer a request, or act outside the
   * process on a change (start a container it names), only after this resolves. Rejects with
   * StateStoreWriteError if the sync failed: the changes it covered are then undone in memory.
   */
  durable(): Promise<void>;
  /** Whether the store takes writes, and how many of its disk writes failed since it opened. */
  health(): StateStoreHealth;
  /** Makes pending changes durable (blocking) and releases the data directory; later writes throw. */
  close(): void;
}

export interface StateStoreHealth {
  /** After a disk failure the store could not recover from (a restart does): writes throw StateStoreWriteError. */
  readonly refusingWrites: boolean;
  /** Journal writes, syncs and recoveries that failed since the store opened, recovered from or not. */
  readonly writeFailures: number;
  readonly lastWriteFailure?: string;
}

export interface StateStoreOptions {
  /** The data directory; undefined keeps state in memory only. */
  readonly dir?: string;
  /** fdatasync changes before `durable()` resolves (default true). Without it, changes survive a process crash but not an OS crash. */
  readonly fsync?: boolean;
  /** Journal size that triggers a snapshot (default 64 MiB; never less than the last snapshot). */
  readonly compactAfterBytes?: number;
  /**
   * Told once, synchronously, when a failed sync has undone changes that were already visible (before any
   * `durable()` waiter hears of it): what an in-memory index built over the records rebuilds itself on.
   */
  readonly onRollback?: (error: Error) => void;
  /**
   * Per table, members of its records that a snapshot writes beside each record (e.g. what an index reads),
   * so that `members(key, names)` with those names answers at open without parsing a record written by a
   * snapshot. Costs their bytes once more in the snapshot; the journal is unchanged.
   */
  readonly snapshotMembers?: Readonly<Record<string, readonly string[]>>;
}
