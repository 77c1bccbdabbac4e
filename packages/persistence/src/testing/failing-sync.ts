import fs from 'node:fs';

/**
 * Makes the next `times` fdatasync calls fail as a failing disk's do: EIO, reported asynchronously, after
 * the line was written (it is in the file, as it would be in the page cache); later calls sync for real.
 * With `file`, only syncs of a file whose path matches it count (Linux: read from /proc/self/fd), so a
 * gateway's other stores are left alone. Returns the spy; `jest.restoreAllMocks()` removes it.
 */
export function withFailingSync(times = 1, file?: RegExp): jest.SpiedFunction<typeof fs.fdatasync> {
  const real = fs.fdatasync;
  let failed = 0;
  return jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: (error: Error | null) => void) => {
    if (failed < times && (file === undefined || file.test(fs.readlinkSync(`/proc/self/fd/${fd}`)))) {
      failed++;
      setImmediate(() => done(ioError()));
    } else real(fd, done);
  }) as typeof fs.fdatasync);
}

/** Makes every opening of a file whose path matches `pattern` fail as a full disk does (ENOSPC). */
export function withFailingOpen(pattern: RegExp): jest.SpiedFunction<typeof fs.openSync> {
  const real = fs.openSync;
  return jest.spyOn(fs, 'openSync').mockImplementation((...args: Parameters<typeof fs.openSync>) => {
    if (pattern.test(String(args[0])))
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    return real(...args);
  });
}

export function ioError(): Error {
  return Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
}
