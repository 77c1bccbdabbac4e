import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * Files of a data directory. Generation N is `snapshot-N.jsonl` (all state when N began) plus
 * `journal-N.jsonl` (every change since). A snapshot is written as `snapshot-N.jsonl.tmp` and renamed,
 * so a snapshot under its final name is always complete.
 */

const GENERATION_FILE = /^(snapshot|journal)-(\d+)\.jsonl$/;

export function snapshotPath(dir: string, generation: number): string {
  return path.join(dir, `snapshot-${pad(generation)}.jsonl`);
}

export function journalPath(dir: string, generation: number): string {
  return path.join(dir, `journal-${pad(generation)}.jsonl`);
}

export function temporaryPath(file: string): string {
  return `${file}.tmp`;
}

export interface DataDirListing {
  readonly snapshots: readonly number[];
  readonly journals: readonly number[];
  /** Snapshots a crash interrupted before their rename. */
  readonly temporaryFiles: readonly string[];
}

/** Generations found in `dir`, ascending. Files of other names are left alone. */
export function listDataDir(dir: string): DataDirListing {
  const snapshots: number[] = [];
  const journals: number[] = [];
  const temporaryFiles: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const match = GENERATION_FILE.exec(name);
    if (match) (match[1] === 'snapshot' ? snapshots : journals).push(Number(match[2]));
    else if (name.startsWith('snapshot-') && name.endsWith('.tmp')) temporaryFiles.push(path.join(dir, name));
  }
  const ascending = (a: number, b: number) => a - b;
  return { snapshots: snapshots.sort(ascending), journals: journals.sort(ascending), temporaryFiles };
}

/** Makes creations, renames and deletions in `dir` durable: fsync of a file does not cover its name. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (error) {
    // Windows cannot open a directory, and its file systems do not need this.
    if (process.platform === 'win32') return;
    throw error;
  }
  try {
    fs.fsyncSync(fd);
  } catch (error) {
    if (process.platform !== 'win32') throw error;
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes `file` if it exists. */
export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}

function pad(generation: number): string {
  return String(generation).padStart(8, '0');
}
