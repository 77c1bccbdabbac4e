import { Undecoded, encodeValue } from './json-codec';
import { DELETED, type Change } from './table-set';

/*
 * The line formats of the state files, all JSON:
 *   change      ["put", table, key, value] | ["delete", table, key]
 *   journal     one line per change, or per transaction: [change, change, ...]
 *   snapshot    {"format":"localcloud-snapshot","version":1,"generation":N}
 *               ["put", table, key, value]          one line per record
 *               {"end":true,"records":count}
 */

export const SNAPSHOT_FORMAT = 'localcloud-snapshot';
export const SNAPSHOT_VERSION = 1;

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

/** A snapshot line for one record, newline included. */
export function snapshotRecordLine(table: string, key: string, json: string): string {
  return `${putText(table, key, json)}\n`;
}

/** The changes of a journal line. Throws an Error saying what is wrong. */
export function parseJournalLine(text: string): StoredChange[] {
  // Parsed whole (a torn last line must fail here), but values are revived only when first read.
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('not a non-empty array of changes');
  return parsed.map((change) => toStoredChange(change, (value) => new Undecoded(undefined, value)));
}

/** A snapshot line: a record (a put), or the header or trailer object. Throws an Error saying what is wrong. */
export function parseSnapshotLine(text: string): { record: StoredChange } | { meta: Record<string, unknown> } {
  const put = scanPutLine(text);
  if (put) return { record: put };
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed)) {
    const record = toStoredChange(parsed, (value) => new Undecoded(undefined, value));
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

/**
 * A snapshot record line as `snapshotRecordLine` writes it, `["put",<table>,<key>,<value>]`, read
 * without parsing its value: only the two strings are. Undefined for any other shape (the caller then
 * parses the line whole). The value's text is decoded when the record is first read; snapshots are
 * complete by construction (fsync before rename), so what is left unchecked here is bit rot, which is
 * out of scope (docs/persistence.md).
 */
function scanPutLine(text: string): StoredChange | undefined {
  if (!text.startsWith('["put","') || !text.endsWith(']')) return undefined;
  const tableEnd = stringEnd(text, 7);
  if (tableEnd < 0 || text[tableEnd + 1] !== ',' || text[tableEnd + 2] !== '"') return undefined;
  const keyEnd = stringEnd(text, tableEnd + 2);
  if (keyEnd < 0 || text[keyEnd + 1] !== ',' || keyEnd + 2 >= text.length - 1) return undefined;
  return {
    table: JSON.parse(text.slice(7, tableEnd + 1)) as string,
    key: JSON.parse(text.slice(tableEnd + 2, keyEnd + 1)) as string,
    value: new Undecoded(text.slice(keyEnd + 2, -1)),
  };
}

/** The index of the quote closing the JSON string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i;
  }
  return -1;
}

function toStoredChange(change: unknown, wrap: (value: unknown) => unknown = (value) => value): StoredChange {
  if (Array.isArray(change) && typeof change[1] === 'string' && typeof change[2] === 'string') {
    if (change[0] === 'put' && change.length === 4) return { table: change[1], key: change[2], value: wrap(change[3]) };
    if (change[0] === 'delete' && change.length === 3) return { table: change[1], key: change[2], value: DELETED };
  }
  throw new Error(`not a change: ${JSON.stringify(change)?.slice(0, 100)}`);
}
