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

/** The store was closed, or a write failed in a way that leaves the journal's tail unknown. */
export class StateStoreUnavailableError extends Error {
  override readonly name = 'StateStoreUnavailableError';
}
