import { Undecoded, encodeValue, pickMembers, toStoredValue, type KnownMembers } from './json-codec';
import type { DurableTable, TableOptions } from './state-store';

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

/**
 * In a table with `bytesAfterPut`, how many of the last records put (in all such tables) stay as the
 * decoded objects the put made; once DECODED_RECORDS more puts have followed, a record not replaced since
 * is kept as its JSON bytes outside the heap
 * (`Undecoded`, as a record read back from disk is) until it is next read. A record is a tree of small
 * frozen objects that every scavenge copies and every mark-compact marks for as long as it lives; its
 * bytes cost the collector nothing. A record replaced within that many puts is never encoded. Small, so
 * that a record is usually bytes before a second scavenge would promote it to the old generation.
 */
export const DECODED_RECORDS = 64;
/**
 * Records kept as bytes are written one after another into buffers of this size, each record a range of
 * one: a Buffer of its own per record would be one more heap object (its view) per record, and a small
 * one taken from Node's shared pool would keep the pool's whole slab alive. A larger record gets a
 * buffer of its own.
 */
const ARENA_BYTES = 256 * 1024;

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
  /** The last DECODED_RECORDS records put, oldest at `next`: [table, key, value as stored]. */
  private readonly decoded: Array<readonly [Records, string, unknown] | undefined> = new Array(DECODED_RECORDS);
  private next = 0;
  /** The buffer records leaving the ring are written into, and how much of it is used. */
  private arena: Buffer | undefined;
  private arenaUsed = 0;

  constructor(
    private readonly persist: PersistChanges,
    /** Per table, the members a snapshot writes beside each record (StateStoreOptions.snapshotMembers). */
    private readonly snapshotMembers: SnapshotMembers = {},
  ) {}

  table<T>(name: string, options: TableOptions = {}): DurableTable<T> {
    let view = this.views.get(name);
    if (!view) {
      view = this.createView(name, this.records(name), options.bytesAfterPut === true);
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

  private createView(name: string, records: Records, bytesAfterPut: boolean): DurableTable<unknown> {
    const write = (change: Change, value: unknown | typeof DELETED) => {
      this.write(records, change, value);
      if (bytesAfterPut && value !== DELETED) this.keepDecoded(records, change.key, value);
    };
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

  /**
   * Enters a record just put into the ring; the one it pushes out is swapped for its bytes if the table
   * still holds that same object (not since replaced, deleted or rolled back). Primitives stay as they are.
   */
  private keepDecoded(records: Records, key: string, value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const out = this.decoded[this.next];
    this.decoded[this.next] = [records, key, value];
    this.next = (this.next + 1) % DECODED_RECORDS;
    if (out === undefined) return;
    const [outRecords, outKey, outValue] = out;
    if (outRecords.get(outKey) !== outValue) return;
    outRecords.set(outKey, this.bytesOf(encodeValue(outValue)));
  }

  /** The text's UTF-8 bytes as a range of the current arena (a new one when it is full). */
  private bytesOf(text: string): Undecoded {
    const length = Buffer.byteLength(text);
    if (length > ARENA_BYTES / 4) {
      const bytes = Buffer.from(text);
      return Undecoded.ofBytes(bytes, 0, bytes.length);
    }
    if (this.arena === undefined || this.arenaUsed + length > this.arena.length) {
      // Never filled from Node's shared pool: a range of a pool slab would keep the whole slab alive.
      this.arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
      this.arenaUsed = 0;
    }
    const start = this.arenaUsed;
    this.arena.write(text, start, length, 'utf8');
    this.arenaUsed += length;
    return Undecoded.ofBytes(this.arena, start, this.arenaUsed);
  }
}
