import { decodeValue } from './json-codec';
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

/** A change read back from disk: the value is decoded, or DELETED. */
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
  return `${changeText({ op: 'put', table, key, json })}\n`;
}

/** The changes of a journal line. Throws an Error saying what is wrong. */
export function parseJournalLine(text: string): StoredChange[] {
  const parsed = decodeValue(text);
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('not a non-empty array of changes');
  return parsed.map(toStoredChange);
}

/** A snapshot line: a record (a put), or the header or trailer object. Throws an Error saying what is wrong. */
export function parseSnapshotLine(text: string): { record: StoredChange } | { meta: Record<string, unknown> } {
  const parsed = decodeValue(text);
  if (Array.isArray(parsed)) {
    const record = toStoredChange(parsed);
    if (record.value === DELETED) throw new Error('a snapshot holds puts only');
    return { record };
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not a record, header or trailer');
  return { meta: parsed as Record<string, unknown> };
}

function changeText(change: Change): string {
  const target = `${JSON.stringify(change.table)},${JSON.stringify(change.key)}`;
  return change.op === 'put' ? `["put",${target},${change.json}]` : `["delete",${target}]`;
}

function toStoredChange(change: unknown): StoredChange {
  if (Array.isArray(change) && typeof change[1] === 'string' && typeof change[2] === 'string') {
    if (change[0] === 'put' && change.length === 4) return { table: change[1], key: change[2], value: change[3] };
    if (change[0] === 'delete' && change.length === 3) return { table: change[1], key: change[2], value: DELETED };
  }
  throw new Error(`not a change: ${JSON.stringify(change)?.slice(0, 100)}`);
}
