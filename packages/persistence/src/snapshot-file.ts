import * as fs from 'node:fs';
import { CorruptStateError } from './errors';
import { readLines } from './line-reader';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  parseSnapshotLine,
  snapshotRecordLine,
  type StoredChange,
} from './record-format';

const FLUSH_BYTES = 1 << 20;

/** Told where a record's value went: `bytes[start, stop)` of a buffer just written to the snapshot. */
export type WrittenRecord = (table: string, key: string, bytes: Buffer, start: number, stop: number) => void;

/**
 * Writes every record to `file` (a temporary name: the caller renames it) and fsyncs it, so the
 * rename can only ever expose a complete snapshot. Returns the snapshot's size in bytes.
 * `written` learns where each value's bytes are in the buffers written, which are not reused: the
 * caller may keep them as the record (Undecoded) instead of its decoded objects.
 */
export function writeSnapshot(
  file: string,
  generation: number,
  records: Iterable<[table: string, key: string, json: string]>,
  fsync: boolean,
  written?: WrittenRecord,
): number {
  const fd = fs.openSync(file, 'w');
  try {
    let bytes = 0;
    let pending: string[] = [];
    let pendingLength = 0;
    /** Records in `pending`: table, key, and their value's byte range in the buffer to be made. */
    let places: Array<[string, string, number, number]> = [];
    let pendingBytes = 0;
    const flush = () => {
      const buffer = Buffer.from(pending.join(''), 'utf8');
      for (let done = 0; done < buffer.length;) {
        done += fs.writeSync(fd, buffer, done, buffer.length - done);
      }
      bytes += buffer.length;
      for (const [table, key, start, stop] of places) written!(table, key, buffer, start, stop);
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

    add(`${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, generation })}\n`);
    let count = 0;
    for (const [table, key, json] of records) {
      add(snapshotRecordLine(table, key, json));
      if (written) {
        // The value ends the line, before `]\n`.
        const stop = pendingBytes - 2;
        places.push([table, key, stop - Buffer.byteLength(json), stop]);
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
 * Applies every record of a snapshot. Snapshots are complete by construction (fsync before rename),
 * so anything missing or malformed, the trailer included, is corruption.
 */
export function readSnapshot(file: string, generation: number, apply: (record: StoredChange) => void): void {
  let count = 0;
  let ended = false;
  for (const line of readLines(file)) {
    const fail = (reason: string): never => {
      throw new CorruptStateError(file, line.number, reason);
    };
    if (ended) fail('a line after the trailer');
    if (!line.terminated) fail('the snapshot ends without its trailer');
    let parsed: ReturnType<typeof parseSnapshotLine>;
    try {
      parsed = parseSnapshotLine(line);
    } catch (error) {
      return fail((error as Error).message);
    }
    if (line.number === 1) {
      const header = 'meta' in parsed ? parsed.meta : {};
      if (header.format !== SNAPSHOT_FORMAT) fail('not a localcloud snapshot header');
      if (header.version !== SNAPSHOT_VERSION) fail(`snapshot version ${String(header.version)} is not supported`);
      if (header.generation !== generation) fail(`header says generation ${String(header.generation)}`);
    } else if ('record' in parsed) {
      apply(parsed.record);
      count++;
    } else if (parsed.meta.end === true) {
      if (parsed.meta.records !== count)
        fail(`trailer counts ${String(parsed.meta.records)} records, the file has ${count}`);
      ended = true;
    } else {
      fail('not a record or trailer');
    }
  }
  if (!ended) throw new CorruptStateError(file, undefined, 'the snapshot ends without its trailer');
}
