/*
 * Node has no flock/fcntl lock. fs-native-extensions ships prebuilt binaries for Linux, macOS and
 * Windows (x64, arm64), so nothing is compiled at install. On Linux it takes an open file description
 * lock (F_OFD_SETLK): held per open of the file, released by the kernel when the last descriptor of
 * that open closes, which includes the holder's death; two opens in one process exclude each other too.
 */

interface NativeLocks {
  tryLock(fd: number): boolean;
}

let native: NativeLocks | undefined;

/**
 * Takes an exclusive lock on the whole of `fd`'s file without waiting: false if another open of the
 * file holds it. Loaded on first use, so processes that never persist never load the addon.
 */
export function tryLockFile(fd: number, file: string): boolean {
  native ??= loadNative();
  try {
    return native.tryLock(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOLCK/ENOTSUP/EINVAL: a file system without locks (some network and FUSE mounts).
    throw new Error(`cannot lock ${file} (${code ?? String(error)}): put the data directory on a local file system`, {
      cause: error,
    });
  }
}

function loadNative(): NativeLocks {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('fs-native-extensions') as NativeLocks;
  } catch (error) {
    // E.g. musl (Alpine): its prebuilt binaries are for glibc.
    throw new Error(
      `cannot load the file lock addon (fs-native-extensions) on ${process.platform}-${process.arch}; ` +
        'persistence needs Linux with glibc, macOS or Windows',
      { cause: error },
    );
  }
}
