import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Fresh temporary directories for one test file, removed by `removeAll` (call it in afterEach). */
export class TempDirs {
  private readonly created: string[] = [];

  make(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-persistence-'));
    this.created.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The journal file of the current generation in `dir`. */
export function currentJournal(dir: string): string {
  const journals = fs.readdirSync(dir).filter((name) => /^journal-\d+\.jsonl$/.test(name));
  if (journals.length !== 1) throw new Error(`expected one journal in ${dir}, found ${journals.join(', ') || 'none'}`);
  return path.join(dir, journals[0]!);
}

/** Names of the state files in `dir`, sorted. */
export function stateFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name !== 'LOCK')
    .sort();
}
