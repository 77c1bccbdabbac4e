import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findCommand } from './credentials-route';

describe('findCommand', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'find-command-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('takes the first executable file on the path or in sbin/bin, not a directory or a file without the x bit', async () => {
    const [folder, plain, tools] = ['folder', 'plain', 'tools'].map((name) => path.join(dir, name));
    await mkdir(path.join(folder!, 'iptables-test'), { recursive: true });
    await mkdir(plain!);
    await writeFile(path.join(plain!, 'iptables-test'), '#!/bin/sh\n');
    await mkdir(tools!);
    await writeFile(path.join(tools!, 'iptables-test'), '#!/bin/sh\n');
    await chmod(path.join(tools!, 'iptables-test'), 0o755);

    expect(findCommand('iptables-test', [folder, plain, tools].join(path.delimiter))).toBe(
      path.join(tools!, 'iptables-test'),
    );
    expect(findCommand('iptables-test', [folder, plain].join(path.delimiter))).toBeUndefined();
    // As before the library: the sbin and bin folders are searched even when PATH lacks them.
    expect(findCommand('sh', '')).toMatch(/^\/(usr\/)?s?bin\/sh$/);
  });
});
