/** A state file cannot be read back without losing acknowledged data. Names the file and line. */
export class CorruptStateError extends Error {
  override readonly name = 'CorruptStateError';

  constructor(
    readonly file: string,
    readonly line: number | undefined,
    reason: string,
  ) {
    super(
      `${line === undefined ? file : `${file}:${line}`}: ${reason}. ` +
        'The state was not loaded; move the data directory aside to start empty.',
    );
  }
}

/** Another process (or another store in this one) holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

/** The store was closed: it takes no more writes. */
export class StateStoreUnavailableError extends Error {
  override readonly name = 'StateStoreUnavailableError';
}

/**
 * A change could not be made durable (its journal write or fdatasync failed), or the store refuses writes
 * after a failure it could not recover from. The change is not kept in memory: the request that made it
 * (or waited for it) must fail as the service's own server fault, never be acknowledged.
 */
export class StateStoreWriteError extends Error {
  override readonly name = 'StateStoreWriteError';
}

/**
 * Whether `error` is a StateStoreWriteError, told by its name: holds even if two copies of this package are
 * loaded (a bundle beside a workspace link), where `instanceof` would not.
 */
export function isStateStoreWriteError(error: unknown): error is StateStoreWriteError {
  return error instanceof Error && error.name === 'StateStoreWriteError';
}
