import * as fs from 'node:fs';
import { CorruptStateError } from './errors';
import { readBlocks } from './line-reader';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  SnapshotPutScanner,
  parseSnapshotLine,
  snapshotRecordLine,
} from './record-format';
import { encodeValue } from './json-codec';
import type { SnapshotMembers, SnapshotRecord } from './table-set';

const FLUSH_BYTES = 1 << 20;

/**
 * Told where a record's value went: `bytes[start, stop)` of a buffer just written to the snapshot, and its
 * members (when it has some) from `membersStart` to the comma before `start`.
 */
export type WrittenRecord = (
  record: SnapshotRecord,
  bytes: Buffer,
  start: number,
  stop: number,
  membersStart: number | undefined,
) => void;

/**
 * Writes every record to `file` (a temporary name: the caller renames it) and fsyncs it, so the
 * rename can only ever expose a complete snapshot. Returns the snapshot's size in bytes.
 * `written` learns where each value's bytes are in the buffers written, which are not reused: the
 * caller may keep them as the record (Undecoded) instead of its decoded objects. `members` names, per
 * table, the members each of its records carries (`SnapshotRecord.members`, written beside the value).
 */
export function writeSnapshot(
  file: string,
  generation: number,
  records: Iterable<SnapshotRecord>,
  fsync: boolean,
  written?: WrittenRecord,
  members: SnapshotMembers = {},
): number {
  const fd = fs.openSync(file, 'w');
  try {
    let bytes = 0;
    let pending: string[] = [];
    let pendingLength = 0;
    /** Records in `pending`, and their value's byte range in the buffer to be made. */
    let places: Array<[SnapshotRecord, number, number, number | undefined]> = [];
    let pendingBytes = 0;
    const flush = () => {
      const buffer = Buffer.from(pending.join(''), 'utf8');
      for (let done = 0; done < buffer.length;) {
        done += fs.writeSync(fd, buffer, done, buffer.length - done);
      }
      bytes += buffer.length;
      for (const [record, start, stop, membersStart] of places) written!(record, buffer, start, stop, membersStart);
      pending = [];
      pendingLength = 0;
      places = [];
      pendingBytes = 0;
    };
    const add = (line: string) => {
      pending.push(line);
      pendingLength += line.length;
      if (written) pendingBytes += Buffer.byteLength(line);
    };

    add(`${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, generation, members })}\n`);
    let count = 0;
    for (const record of records) {
      const { table, key, json } = record;
      if (record.members && !members[table]) throw new Error(`members of table ${table} not named in the header`);
      const membersJson = record.members && encodeValue(record.members.values);
      add(snapshotRecordLine(table, key, json, membersJson));
      if (written) {
        // The value ends the line, before `]\n`; its members, if any, come just before it and a comma.
        const stop = pendingBytes - 2;
        const start = stop - Buffer.byteLength(json);
        places.push([
          record,
          start,
          stop,
          membersJson === undefined ? undefined : start - 1 - Buffer.byteLength(membersJson),
        ]);
      }
      if (pendingLength >= FLUSH_BYTES) flush();
      count++;
    }
    add(`${JSON.stringify({ end: true, records: count })}\n`);
    flush();
    if (fsync) fs.fsyncSync(fd);
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Version 1 (until 2026-12-01) has no `members` in its header and `["put",<table>,<key>,<value>]` lines
 * only; version 2 may name tables whose lines are `["put",<table>,<key>,<members>,<value>]`.
 */
const READABLE_VERSIONS: readonly number[] = [1, SNAPSHOT_VERSION];

function isSnapshotMembers(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((names) => Array.isArray(names) && names.every((n) => typeof n === 'string'));
}

/** Where a snapshot's records go: the value is Undecoded (decoded on first read). */
export type RestoreRecord = (table: string, key: string, value: unknown) => void;

/**
 * Applies every record of a snapshot. Snapshots are complete by construction (fsync before rename),
 * so anything missing or malformed, the trailer included, is corruption. One pass over each block of
 * lines: a record line is read in place (SnapshotPutScanner), nothing else is allocated for it.
 */
export function readSnapshot(file: string, generation: number, restore: RestoreRecord): void {
  let count = 0;
  let ended = false;
  let number = 0;
  const scanner = new SnapshotPutScanner();
  const fail = (reason: string): never => {
    throw new CorruptStateError(file, number, reason);
  };
  for (const { buffer, start, stop, terminated } of readBlocks(file)) {
    if (!terminated) {
      number++;
      fail(ended ? 'a line after the trailer' : 'the snapshot ends without its trailer');
    }
    for (let position = start; position < stop;) {
      const newline = buffer.indexOf(0x0a, position);
      number++;
      if (ended) fail('a line after the trailer');
      if (number > 1 && scanner.scan(buffer, position, newline)) {
        restore(scanner.table, scanner.key, scanner.value);
        count++;
      } else {
        let parsed: ReturnType<typeof parseSnapshotLine>;
        try {
          parsed = parseSnapshotLine({ buffer, start: position, stop: newline, number, end: 0, terminated });
        } catch (error) {
          return fail((error as Error).message);
        }
        if (number === 1) {
          const header = 'meta' in parsed ? parsed.meta : {};
          if (header.format !== SNAPSHOT_FORMAT) fail('not a localcloud snapshot header');
          if (!READABLE_VERSIONS.includes(header.version as number))
            fail(`snapshot version ${String(header.version)} is not supported`);
          if (header.generation !== generation) fail(`header says generation ${String(header.generation)}`);
          if (header.members !== undefined) {
            if (!isSnapshotMembers(header.members)) fail('the header names members wrongly');
            scanner.withMembers(header.members as SnapshotMembers);
          }
        } else if ('record' in parsed) {
          restore(parsed.record.table, parsed.record.key, parsed.record.value);
          count++;
        } else if (parsed.meta.end === true) {
          if (parsed.meta.records !== count)
            fail(`trailer counts ${String(parsed.meta.records)} records, the file has ${count}`);
          ended = true;
        } else {
          fail('not a record or trailer');
        }
      }
      position = newline + 1;
    }
  }
  if (!ended) throw new CorruptStateError(file, undefined, 'the snapshot ends without its trailer');
}
