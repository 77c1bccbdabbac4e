import { Undecoded, encodeValue } from './json-codec';
import { lineText, type FileLine } from './line-reader';
import { DELETED, type Change } from './table-set';

/*
 * The line formats of the state files, all JSON:
 *   change      ["put", table, key, value] | ["delete", table, key]
 *   journal     one line per change, or per transaction: [change, change, ...]
 *   snapshot    {"format":"localcloud-snapshot","version":2,"generation":N,"members":{table:[name,…]}}
 *               ["put", table, key, value]          one line per record
 *               ["put", table, key, members, value] one line per record of a table the header's
 *                                                   `members` names: those members of the value
 *               {"end":true,"records":count}
 *               (version 1: no `members` in the header, no line with members)
 */

export const SNAPSHOT_FORMAT = 'localcloud-snapshot';
export const SNAPSHOT_VERSION = 2;

/** A change read back from disk: the value is Undecoded (decoded on first read), or DELETED. */
export interface StoredChange {
  readonly table: string;
  readonly key: string;
  readonly value: unknown;
}

/** The journal line for one atomic group of changes, newline included. */
export function journalLine(changes: readonly Change[]): string {
  return `[${changes.map(changeText).join(',')}]\n`;
}

/** A snapshot line for one record, newline included; `members`, the JSON of its members kept beside it. */
export function snapshotRecordLine(table: string, key: string, json: string, members?: string): string {
  return `${putText(table, key, members === undefined ? json : `${members},${json}`)}\n`;
}

/**
 * The changes of a journal line. Throws an Error saying what is wrong. Parsed whole (a torn last line
 * must fail here), but what the parse built is dropped: a lone put keeps its value as a range of the
 * line's bytes, decoded when first read, so replaying a journal leaves no object trees on the heap.
 */
export function parseJournalLine(line: FileLine): StoredChange[] {
  const parsed: unknown = JSON.parse(lineText(line));
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('not a non-empty array of changes');
  if (parsed.length === 1) {
    const change = toStoredChange(parsed[0]);
    // `[<change>]`: the change's bytes are the line's without its brackets.
    const put = change.value !== DELETED && scanPut(line.buffer, line.start + 1, line.stop - 1);
    if (put && put.table === change.table && put.key === change.key) return [put];
  }
  return parsed.map((change) => toStoredChange(change, (value) => Undecoded.ofParsed(value)));
}

/** A snapshot line: a record (a put), or the header or trailer object. Throws an Error saying what is wrong. */
export function parseSnapshotLine(line: FileLine): { record: StoredChange } | { meta: Record<string, unknown> } {
  const put = scanPut(line.buffer, line.start, line.stop);
  if (put) return { record: put };
  const parsed: unknown = JSON.parse(lineText(line));
  if (Array.isArray(parsed)) {
    // `["put",<table>,<key>,<members>,<value>]`: the members are read again from the value when asked.
    if (parsed.length === 5 && parsed[0] === 'put') parsed.splice(3, 1);
    const record = toStoredChange(parsed, (value) => Undecoded.ofParsed(value));
    if (record.value === DELETED) throw new Error('a snapshot holds puts only');
    return { record };
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not a record, header or trailer');
  return { meta: parsed as Record<string, unknown> };
}

/** A put's value is encoded here, once: the store keeps the value itself, not its text. */
function changeText(change: Change): string {
  if (change.op === 'put') return putText(change.table, change.key, encodeValue(change.value));
  return `["delete",${JSON.stringify(change.table)},${JSON.stringify(change.key)}]`;
}

function putText(table: string, key: string, json: string): string {
  return `["put",${JSON.stringify(table)},${JSON.stringify(key)},${json}]`;
}

const PUT_OPENING = Buffer.from('["put","');

/**
 * A put as `snapshotRecordLine` writes it, `["put",<table>,<key>,<value>]`, in `bytes[start, stop)`,
 * read without parsing its value: only the two strings are, and the value stays those bytes (kept,
 * not copied) until the record is first read. Undefined for any other shape (the caller then parses
 * the line whole). Snapshots are complete by construction (fsync before rename), so what is left
 * unchecked here is bit rot, which is out of scope (docs/persistence.md).
 */
function scanPut(bytes: Buffer, start: number, stop: number): StoredChange | undefined {
  const opening = PUT_OPENING.length;
  if (stop - start <= opening || bytes[stop - 1] !== 0x5d /* ] */) return undefined;
  if (bytes.compare(PUT_OPENING, 0, opening, start, start + opening) !== 0) return undefined;
  const tableEnd = quoteEnd(bytes, start + opening - 1, stop);
  if (tableEnd < 0 || bytes[tableEnd + 1] !== 0x2c /* , */ || bytes[tableEnd + 2] !== 0x22 /* " */) return undefined;
  const keyEnd = quoteEnd(bytes, tableEnd + 2, stop);
  if (keyEnd < 0 || bytes[keyEnd + 1] !== 0x2c || keyEnd + 2 >= stop - 1) return undefined;
  return {
    table: jsonString(bytes, start + opening - 1, tableEnd),
    key: jsonString(bytes, tableEnd + 2, keyEnd),
    value: Undecoded.ofBytes(bytes, keyEnd + 2, stop - 1),
  };
}

/** Buffer's own slicers, without `toString`'s argument handling: they are most of a key's cost at open. */
interface Slicers {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const SLICERS = typeof (Buffer.prototype as Partial<Slicers>).latin1Slice === 'function';

/** The text of `bytes[start, stop)`: ASCII (`ascii` true) as a one-byte string, anything else as UTF-8. */
function textOf(bytes: Buffer, start: number, stop: number, ascii: boolean): string {
  if (!SLICERS) return bytes.toString(ascii ? 'latin1' : 'utf8', start, stop);
  const slicers = bytes as Buffer & Slicers;
  return ascii ? slicers.latin1Slice(start, stop) : slicers.utf8Slice(start, stop);
}

/**
 * Reads snapshot puts, `["put",<table>,<key>,<value>]`, as `scanPut` does, for one snapshot after
 * another line: without an object per line (what it read is left in `table`, `key` and `value`), and
 * with the table's name made once for the run of lines of one table (a snapshot writes each table's
 * records together), so opening a large state allocates a key and a holder per record and little else.
 */
export class SnapshotPutScanner {
  table = '';
  key = '';
  value: Undecoded | undefined;
  /** The bytes of `table` (no quote or backslash among them), to tell the next line's table without a string. */
  private tableBytes: Buffer = Buffer.alloc(0);
  /** The snapshot header's `members`: tables whose lines carry members before the value. */
  private members: Readonly<Record<string, readonly string[]>> = {};
  /** The members of `table`'s lines, if they carry any. */
  private tableMembers: readonly string[] | undefined;

  withMembers(members: Readonly<Record<string, readonly string[]>>): void {
    this.members = members;
    this.tableBytes = Buffer.alloc(0);
  }

  /** Whether `bytes[start, stop)` is such a put; if so, it is in `table`, `key` and `value`. */
  scan(bytes: Buffer, start: number, stop: number): boolean {
    const opening = PUT_OPENING.length;
    if (stop - start <= opening || bytes[stop - 1] !== 0x5d /* ] */) return false;
    for (let i = 0; i < opening; i++) if (bytes[start + i] !== PUT_OPENING[i]) return false;
    const tableOpen = start + opening - 1;
    let tableEnd = -1;
    const cached = this.tableBytes;
    if (cached.length > 0 && tableOpen + cached.length + 1 < stop && bytes[tableOpen + cached.length + 1] === 0x22) {
      let same = true;
      for (let i = 0; i < cached.length && same; i++) same = bytes[tableOpen + 1 + i] === cached[i];
      if (same) tableEnd = tableOpen + cached.length + 1;
    }
    const sameTable = tableEnd >= 0;
    if (!sameTable) tableEnd = quoteEnd(bytes, tableOpen, stop);
    if (tableEnd < 0 || bytes[tableEnd + 1] !== 0x2c /* , */ || bytes[tableEnd + 2] !== 0x22 /* " */) return false;
    // The key: its closing quote, and whether it needs JSON's unescaping or UTF-8 decoding.
    const keyOpen = tableEnd + 2;
    let keyEnd = -1;
    let high = 0;
    let escaped = false;
    for (let i = keyOpen + 1; i < stop; i++) {
      const c = bytes[i]!;
      high |= c;
      if (c === 0x5c /* \ */) {
        escaped = true;
        i++;
      } else if (c === 0x22 /* " */) {
        keyEnd = i;
        break;
      }
    }
    if (keyEnd < 0 || bytes[keyEnd + 1] !== 0x2c || keyEnd + 2 >= stop - 1) return false;
    if (!sameTable) {
      const table = jsonString(bytes, tableOpen, tableEnd);
      let plain = true;
      for (let i = tableOpen + 1; i < tableEnd && plain; i++) plain = bytes[i] !== 0x5c;
      this.table = table;
      this.tableBytes = plain ? Buffer.from(bytes.subarray(tableOpen + 1, tableEnd)) : Buffer.alloc(0);
      this.tableMembers = Object.prototype.hasOwnProperty.call(this.members, table) ? this.members[table] : undefined;
    }
    let valueStart = keyEnd + 2;
    const membersStart = valueStart;
    const names = this.tableMembers;
    if (names) {
      // `<members>,<value>`: the members object ends where its braces balance; read when first asked for.
      const membersEnd = jsonEnd(bytes, membersStart, stop - 1);
      if (membersEnd < 0 || bytes[membersEnd] !== 0x2c || membersEnd + 1 >= stop - 1) return false;
      valueStart = membersEnd + 1;
    }
    this.key = escaped ? jsonString(bytes, keyOpen, keyEnd) : textOf(bytes, keyOpen + 1, keyEnd, high < 0x80);
    this.value = Undecoded.ofBytes(bytes, valueStart, stop - 1, names, membersStart);
    return true;
  }
}

/** Just past the JSON object or array whose opening bracket is at `open` (before `stop`), or -1. */
function jsonEnd(bytes: Buffer, open: number, stop: number): number {
  const first = bytes[open];
  if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) return -1;
  let depth = 0;
  for (let i = open; i < stop; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      i = quoteEnd(bytes, i, stop);
      if (i < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return -1;
}

/** The index of the quote closing the JSON string whose opening quote is at `open`, or -1. */
function quoteEnd(bytes: Buffer, open: number, stop: number): number {
  for (let i = open + 1; i < stop; i++) {
    const c = bytes[i];
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22 /* " */) return i;
  }
  return -1;
}

/** The JSON string from the quote at `open` to the one at `close`; only one with escapes goes through JSON.parse. */
function jsonString(bytes: Buffer, open: number, close: number): string {
  let escaped = false;
  for (let i = open + 1; i < close && !escaped; i++) escaped = bytes[i] === 0x5c;
  return escaped
    ? (JSON.parse(bytes.toString('utf8', open, close + 1)) as string)
    : bytes.toString('utf8', open + 1, close);
}

function toStoredChange(change: unknown, wrap: (value: unknown) => unknown = () => undefined): StoredChange {
  if (Array.isArray(change) && typeof change[1] === 'string' && typeof change[2] === 'string') {
    if (change[0] === 'put' && change.length === 4) return { table: change[1], key: change[2], value: wrap(change[3]) };
    if (change[0] === 'delete' && change.length === 3) return { table: change[1], key: change[2], value: DELETED };
  }
  throw new Error(`not a change: ${JSON.stringify(change)?.slice(0, 100)}`);
}
