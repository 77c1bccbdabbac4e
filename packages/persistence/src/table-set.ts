import { Undecoded, encodeValue, pickMembers, toStoredValue, type KnownMembers } from './json-codec';
import type { DurableTable } from './state-store';

/** One change as the journal records it; a put carries the stored value (the journal encodes it). */
export type Change =
  | { readonly op: 'put'; readonly table: string; readonly key: string; readonly value: unknown }
  | { readonly op: 'delete'; readonly table: string; readonly key: string };

/**
 * Records changes (the journal store appends them; the store's `durable()` then tells when they are
 * on disk), or throws having recorded none of them. Called with the changes already visible in memory
 * (a snapshot taken inside it includes them); if it throws they are undone. `undo` takes them back
 * later, should the sync that was to make them durable fail.
 */
export type PersistChanges = (changes: readonly Change[], undo: () => void) => void;

/** Per table name, the members of its records a snapshot keeps beside each (StateStoreOptions.snapshotMembers). */
export type SnapshotMembers = Readonly<Record<string, readonly string[]>>;

/** A record as a snapshot writes it: its value's JSON text, and the members kept beside it, if any. */
export interface SnapshotRecord {
  readonly table: string;
  readonly key: string;
  readonly json: string;
  readonly members?: KnownMembers;
}

/** Marks a deletion where a value is expected. */
export const DELETED: unique symbol = Symbol('deleted');

type Records = Map<string, unknown>;

interface OpenTransaction {
  readonly changes: Change[];
  readonly undo: Array<() => void>;
}

/**
 * The tables of a store in memory, and the rules both stores share: values copied as JSON would copy
 * them, and frozen (`toStoredValue`); every write (alone or in a transaction) applied and recorded synchronously, and undone if
 * recording fails. Durability is the store's `durable()` barrier, which answers must wait for.
 * Only `persist` differs between the in-memory and the journal store.
 */
export class TableSet {
  private readonly tables = new Map<string, Records>();
  private readonly views = new Map<string, DurableTable<unknown>>();
  private open: OpenTransaction | undefined;

  constructor(
    private readonly persist: PersistChanges,
    /** Per table, the members a snapshot writes beside each record (StateStoreOptions.snapshotMembers). */
    private readonly snapshotMembers: SnapshotMembers = {},
  ) {}

  table<T>(name: string): DurableTable<T> {
    let view = this.views.get(name);
    if (!view) {
      view = this.createView(name, this.records(name));
      this.views.set(name, view);
    }
    return view as DurableTable<T>;
  }

  transaction(fn: () => void): void {
    if (this.open) return fn();
    const tx: OpenTransaction = { changes: [], undo: [] };
    this.open = tx;
    // A rolled-back delete re-inserts its key at the end of the table's order; contents are exact.
    const rollback = () => {
      for (const undo of tx.undo.reverse()) undo();
    };
    try {
      fn();
      if (tx.changes.length > 0) this.persist(tx.changes, rollback);
    } catch (error) {
      rollback();
      throw error;
    } finally {
      this.open = undefined;
    }
  }

  /**
   * Applies changes read back from disk, without persisting them again: the table's records looked up
   * once per run of one table (a snapshot writes each table's records together, under one name string).
   */
  restorer(): (table: string, key: string, value: unknown | typeof DELETED) => void {
    let name: string | undefined;
    let records: Records | undefined;
    return (table, key, value) => {
      if (table !== name) {
        records = this.records(table);
        name = table;
      }
      if (value === DELETED) records!.delete(key);
      else records!.set(key, value);
    };
  }

  /**
   * Every record of every table as JSON text, for a snapshot (records never read are not decoded), with
   * the members `snapshotMembers` names for its table, decoded, when it names any.
   */
  *allRecords(): IterableIterator<SnapshotRecord> {
    for (const [table, records] of this.tables) {
      const names = this.snapshotMembers[table];
      for (const [key, value] of records) {
        const json = value instanceof Undecoded ? value.json() : encodeValue(value);
        if (!names) yield { table, key, json };
        else {
          const values = value instanceof Undecoded ? value.members(names) : pickMembers(value, names);
          yield { table, key, json, members: { names, values } };
        }
      }
    }
  }

  /**
   * Whether the records, as a snapshot would write them, take fewer than `limit` bytes. Stops counting at
   * the limit; a record not yet read counts its bytes as read (or its text, for a transaction's parse).
   */
  liveBytesBelow(limit: number): boolean {
    let bytes = 0;
    for (const [table, records] of this.tables) {
      for (const [key, value] of records) {
        // The line around the value: `["put",<table>,<key>,` … `]\n`, close enough without escapes.
        bytes += table.length + key.length + 16;
        bytes += value instanceof Undecoded ? value.byteLength() : encodeValue(value).length;
        if (bytes >= limit) return false;
      }
    }
    return true;
  }

  /**
   * Keeps a record as the bytes a snapshot just wrote for it (`allRecords` gave its text) instead of its
   * decoded objects: after a compaction a large state sits outside the heap, which the collector then
   * no longer marks, and a record is decoded again when next read.
   */
  keepWritten(
    table: string,
    key: string,
    bytes: Buffer,
    start: number,
    stop: number,
    memberNames?: readonly string[],
    membersStart?: number,
  ): void {
    const records = this.tables.get(table);
    if (records?.has(key)) records.set(key, Undecoded.ofBytes(bytes, start, stop, memberNames, membersStart));
  }

  private records(name: string): Records {
    let records = this.tables.get(name);
    if (!records) {
      records = new Map();
      this.tables.set(name, records);
    }
    return records;
  }

  private createView(name: string, records: Records): DurableTable<unknown> {
    const write = (change: Change, value: unknown | typeof DELETED) => this.write(records, change, value);
    const get = (key: string) => {
      const value = records.get(key);
      if (!(value instanceof Undecoded)) return value;
      const decoded = value.decode();
      // Kept decoded from now on, as a record read back from disk is: what is read is likely read again
      // (a task polled by DescribeTasks), and its identity keeps caches keyed by it (descriptions) warm.
      records.set(key, decoded);
      return decoded;
    };
    return {
      get,
      members: (key, names) => {
        const value = records.get(key);
        if (value === undefined) return undefined;
        return value instanceof Undecoded ? value.members(names) : pickMembers(value, names);
      },
      has: (key) => records.has(key),
      keys: () => records.keys(),
      *values() {
        for (const key of records.keys()) yield get(key);
      },
      *entries() {
        for (const key of records.keys()) yield [key, get(key)];
      },
      get size() {
        return records.size;
      },
      put(key, value) {
        const stored = toStoredValue(value);
        write({ op: 'put', table: name, key, value: stored }, stored);
      },
      delete(key) {
        if (records.has(key)) write({ op: 'delete', table: name, key }, DELETED);
      },
    };
  }

  private write(records: Records, change: Change, value: unknown | typeof DELETED): void {
    const tx = this.open;
    // A lone write is a transaction of one: applied, persisted, undone if persisting fails.
    if (!tx) return this.transaction(() => this.write(records, change, value));
    const had = records.has(change.key);
    const previous = records.get(change.key);
    tx.undo.push(() => (had ? records.set(change.key, previous) : records.delete(change.key)));
    tx.changes.push(change);
    if (value === DELETED) records.delete(change.key);
    else records.set(change.key, value);
  }
}
