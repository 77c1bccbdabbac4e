/**
 * One named table of records, keyed by string. Reads come from memory; writes are durable when they
 * return if the store persists.
 *
 * Values are stored as copies made through JSON (Dates kept as Dates) and returned deeply frozen:
 * what you read is exactly what a restart will give back, and changing a record without `put`
 * (which would be lost on restart) throws instead of silently diverging. To change a record, put a
 * new object: `table.put(key, { ...old, status: 'INACTIVE' })`.
 */
export interface DurableTable<T> {
  get(key: string): T | undefined;
  has(key: string): boolean;
  /** In insertion order; a put to an existing key keeps its position. */
  values(): IterableIterator<T>;
  entries(): IterableIterator<[string, T]>;
  readonly size: number;
  /** Durable when it returns (journal appended and fdatasync'd) when persistence is on. */
  put(key: string, value: T): void;
  /** Deleting a missing key is a no-op. */
  delete(key: string): void;
}

export interface StateStore {
  /** A named table; the same name returns the same table. Records are JSON-serialisable (Dates allowed: revive them). */
  table<T>(name: string): DurableTable<T>;
  /**
   * Several puts/deletes as one atomic journal entry: all or none survive a crash. Reads inside `fn`
   * see its writes. If `fn` throws, its writes are undone and nothing is written. A transaction
   * inside a transaction joins the outer one.
   */
  transaction(fn: () => void): void;
  /** Releases the data directory; later writes throw. */
  close(): void;
}

export interface StateStoreOptions {
  /** The data directory; undefined keeps state in memory only. */
  readonly dir?: string;
  /** fdatasync every change (default true). Without it, changes survive a process crash but not an OS crash. */
  readonly fsync?: boolean;
  /** Journal size that triggers a snapshot (default 64 MiB; never less than the last snapshot). */
  readonly compactAfterBytes?: number;
}
