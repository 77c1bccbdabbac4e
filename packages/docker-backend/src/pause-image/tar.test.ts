import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tarArchive } from './tar';

describe('tarArchive', () => {
  test('GNU tar reads back each file with its mode and bytes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tar-'));
    try {
      const program = Buffer.from([0x7f, 0x45, 0x4c, 0x46, ...Array(600).fill(7)]);
      const archive = tarArchive([
        { path: 'pause', mode: 0o755, content: program },
        { path: 'etc/motd', mode: 0o644, content: Buffer.from('hi\n') },
      ]);
      expect(archive.length % 512).toBe(0);
      writeFileSync(path.join(dir, 'a.tar'), archive);
      // Without a dir entry GNU tar still creates etc/ for etc/motd.
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      expect(readFileSync(path.join(dir, 'pause'))).toEqual(program);
      expect(statSync(path.join(dir, 'pause')).mode & 0o777).toBe(0o755);
      expect(readFileSync(path.join(dir, 'etc/motd'), 'utf8')).toBe('hi\n');
      expect(statSync(path.join(dir, 'etc/motd')).mode & 0o777).toBe(0o644);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the same files give the same bytes', () => {
    const files = [{ path: 'pause', mode: 0o755, content: Buffer.from('x') }];
    expect(tarArchive(files)).toEqual(tarArchive(files));
  });
});
