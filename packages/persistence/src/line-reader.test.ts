import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineText, readLines } from './line-reader';
import { TempDirs } from './testing/temp-dirs';

describe('readLines', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.removeAll());

  function linesOf(content: string, chunkBytes?: number) {
    const file = path.join(dirs.make(), 'f');
    fs.writeFileSync(file, content);
    return [...readLines(file, chunkBytes)].map(({ number, end, terminated, ...line }) => ({
      text: lineText({ number, end, terminated, ...line }),
      number,
      end,
      terminated,
    }));
  }

  it.each([1, 3, 7, 1024, undefined])('splits lines across chunk boundaries (chunk of %d bytes)', (chunkBytes) => {
    expect(linesOf('ab\n\nçé€\nlast', chunkBytes)).toEqual([
      { text: 'ab', number: 1, end: 3, terminated: true },
      { text: '', number: 2, end: 4, terminated: true },
      { text: 'çé€', number: 3, end: 12, terminated: true },
      { text: 'last', number: 4, end: 16, terminated: false },
    ]);
  });

  it('reads an empty file as no lines', () => {
    expect(linesOf('', 4)).toEqual([]);
  });
});
