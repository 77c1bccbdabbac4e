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

/**
 * The lines of a file as byte ranges of the chunks it was read in, so that a caller can keep a line's
 * bytes (a record's value, decoded on first read) without copying them into a string on the V8 heap:
 * a chunk is a fresh buffer outside the heap, kept alive only by what still refers to it. A file larger
 * than the biggest buffer or string still loads. Lines are split on the newline byte, which UTF-8 never
 * uses inside a character and JSON escapes inside strings; a line cut by a chunk's end is copied into a
 * buffer of its own.
 */
export function* readLines(file: string, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<FileLine> {
  const fd = fs.openSync(file, 'r');
  try {
    let remaining = fs.fstatSync(fd).size;
    let carry: Buffer | undefined;
    let offset = 0;
    let number = 0;
    for (;;) {
      // Sized to what is left, so a small file costs a small buffer; at least 1 byte to see the end.
      const chunk = Buffer.allocUnsafeSlow(Math.max(1, Math.min(chunkBytes, remaining)));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      remaining = Math.max(0, remaining - read);
      let start = 0;
      for (let newline = chunk.indexOf(0x0a); newline !== -1 && newline < read; newline = chunk.indexOf(0x0a, start)) {
        const end = offset + newline + 1;
        if (carry) {
          const whole = Buffer.concat([carry, chunk.subarray(0, newline)]);
          carry = undefined;
          yield { buffer: whole, start: 0, stop: whole.length, number: ++number, end, terminated: true };
        } else {
          yield { buffer: chunk, start, stop: newline, number: ++number, end, terminated: true };
        }
        start = newline + 1;
      }
      if (start < read)
        carry = Buffer.concat(carry ? [carry, chunk.subarray(start, read)] : [chunk.subarray(start, read)]);
      offset += read;
    }
    if (carry)
      yield { buffer: carry, start: 0, stop: carry.length, number: number + 1, end: offset, terminated: false };
  } finally {
    fs.closeSync(fd);
  }
}
