import * as fs from 'node:fs';

export interface FileLine {
  /** The buffer holding the line: a chunk of the file shared with its neighbours, never reused. */
  readonly buffer: Buffer;
  /** Where the line's bytes are in `buffer`, newline excluded. */
  readonly start: number;
  readonly stop: number;
  /** 1-based, for error messages. */
  readonly number: number;
  /** Byte offset in the file just after this line (after its newline, if any). */
  readonly end: number;
  /** False only for a last line without a newline: a write a crash cut short. */
  readonly terminated: boolean;
}

/** The line's text (UTF-8). */
export function lineText(line: FileLine): string {
  return line.buffer.toString('utf8', line.start, line.stop);
}

const DEFAULT_CHUNK_BYTES = 8 << 20;

/** Whole lines of a file, in one buffer: what `readBlocks` yields. */
export interface LineBlock {
  readonly buffer: Buffer;
  /**
   * `buffer[start, stop)` holds whole lines, each ending with a newline (so `stop - 1` is one), except in
   * the last block of a file that does not end with a newline: one line without it, `terminated` false.
   */
  readonly start: number;
  readonly stop: number;
  /** Byte offset in the file of `buffer[start]`. */
  readonly offset: number;
  readonly terminated: boolean;
}

/**
 * A file as blocks of whole lines: a chunk read (a fresh buffer outside the V8 heap, kept alive only by
 * what still refers to it) from its first line start to its last newline, and a line cut by a chunk's
 * end copied into a buffer of its own. A caller that splits a block itself pays nothing per line but
 * what it keeps; a file larger than the biggest buffer or string still loads.
 */
export function* readBlocks(file: string, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<LineBlock> {
  const fd = fs.openSync(file, 'r');
  try {
    let remaining = fs.fstatSync(fd).size;
    let carry: Buffer | undefined;
    let carryOffset = 0;
    let offset = 0;
    for (;;) {
      // Sized to what is left, so a small file costs a small buffer; at least 1 byte to see the end.
      const chunk = Buffer.allocUnsafeSlow(Math.max(1, Math.min(chunkBytes, remaining)));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      remaining = Math.max(0, remaining - read);
      let start = 0;
      if (carry) {
        const newline = chunk.indexOf(0x0a);
        if (newline === -1 || newline >= read) {
          carry = Buffer.concat([carry, chunk.subarray(0, read)]);
          offset += read;
          continue;
        }
        const whole = Buffer.concat([carry, chunk.subarray(0, newline + 1)]);
        yield { buffer: whole, start: 0, stop: whole.length, offset: carryOffset, terminated: true };
        carry = undefined;
        start = newline + 1;
      }
      const last = chunk.lastIndexOf(0x0a, read - 1);
      if (last >= start) {
        yield { buffer: chunk, start, stop: last + 1, offset: offset + start, terminated: true };
        start = last + 1;
      }
      if (start < read) {
        carry = Buffer.concat([chunk.subarray(start, read)]);
        carryOffset = offset + start;
      }
      offset += read;
    }
    if (carry) yield { buffer: carry, start: 0, stop: carry.length, offset: carryOffset, terminated: false };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The lines of a file as byte ranges of the chunks it was read in (`readBlocks`), so that a caller can
 * keep a line's bytes (a record's value, decoded on first read) without copying them into a string on
 * the V8 heap. Lines are split on the newline byte, which UTF-8 never uses inside a character and JSON
 * escapes inside strings.
 */
export function* readLines(file: string, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<FileLine> {
  let number = 0;
  for (const { buffer, start, stop, offset, terminated } of readBlocks(file, chunkBytes)) {
    if (!terminated) {
      yield { buffer, start, stop, number: ++number, end: offset + stop - start, terminated };
      continue;
    }
    for (let position = start; position < stop;) {
      const newline = buffer.indexOf(0x0a, position);
      yield { buffer, start: position, stop: newline, number: ++number, end: offset + newline + 1 - start, terminated };
      position = newline + 1;
    }
  }
}
