/** An AWS SDK error as tests look at it: the error code (`name`), its message and the HTTP status. */
export interface SdkFailure {
  readonly name: string;
  readonly message: string;
  readonly $metadata: { readonly httpStatusCode?: number };
}

/** The error an AWS call rejects with; fails the test when the call succeeds. */
export async function failure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (error) {
    return error as SdkFailure;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
