/*
 * A ustar archive of regular files, built in memory: enough for the root filesystem of an image made by
 * the Engine API's import. Entries get mtime 0 and uid/gid 0, so the same files give the same bytes.
 */

export interface TarFile {
  /** Relative path, at most 100 bytes. */
  readonly path: string;
  readonly mode: number;
  readonly content: Buffer;
}

const BLOCK = 512;

export function tarArchive(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(header(file), file.content, Buffer.alloc(padding(file.content.length)));
  }
  // The end of an archive is two empty blocks.
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(file: TarFile): Buffer {
  if (Buffer.byteLength(file.path) > 100) throw new Error(`tar path too long: ${file.path}`);
  const block = Buffer.alloc(BLOCK);
  block.write(file.path, 0, 100, 'utf8');
  octal(block, 100, 8, file.mode); // mode
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, file.content.length); // size
  octal(block, 136, 12, 0); // mtime
  block.fill(' ', 148, 156); // the checksum counts its own field as spaces
  block.write('0', 156, 'latin1'); // typeflag: regular file
  block.write('ustar\u000000', 257, 'latin1'); // magic "ustar\0", version "00"
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  block.write(`${checksum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

/** A zero-padded octal number ending in NUL, filling the field. */
function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
