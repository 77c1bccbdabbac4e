import * as fs from 'node:fs';

export interface FileLine {
  readonly text: string;
  /** 1-based, for error messages. */
  readonly number: number;
  /** Byte offset just after this line (after its newline, if any). */
  readonly end: number;
  /** False only for a last line without a newline: a write a crash cut short. */
  readonly terminated: boolean;
}

/**
 * The lines of a file, read in chunks so that a state file larger than the biggest string V8 allows
 * (about 512 MiB) still loads. Lines are split on the newline byte, which UTF-8 never uses inside a
 * character and JSON escapes inside strings.
 */
export function* readLines(file: string, chunkBytes = 1 << 20): Generator<FileLine> {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let partial: Buffer[] = [];
    let offset = 0;
    let number = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      const bytes = chunk.subarray(0, read);
      let start = 0;
      for (let newline = bytes.indexOf(0x0a); newline !== -1; newline = bytes.indexOf(0x0a, start)) {
        partial.push(bytes.subarray(start, newline));
        yield {
          text: Buffer.concat(partial).toString('utf8'),
          number: ++number,
          end: offset + newline + 1,
          terminated: true,
        };
        partial = [];
        start = newline + 1;
      }
      // Copied: `chunk` is reused by the next read.
      if (start < read) partial.push(Buffer.from(bytes.subarray(start)));
      offset += read;
    }
    if (partial.length > 0) {
      yield { text: Buffer.concat(partial).toString('utf8'), number: number + 1, end: offset, terminated: false };
    }
  } finally {
    fs.closeSync(fd);
  }
}
