/**
 * The one error type that crosses the plugin boundary. Providers throw subclasses that carry an AWS
 * error code; the gateway's serialiser turns any of them into the protocol's error shape.
 */
export class ServiceError extends Error {
  constructor(
    /** The AWS error code clients match on, e.g. `ClusterNotFoundException`. */
    readonly code: string,
    message: string,
    /** HTTP status of the error response. */
    readonly statusCode: number = 400,
    /** Whether the caller (true) or the service (false) is at fault. */
    readonly senderFault: boolean = statusCode < 500,
  ) {
    super(message);
    this.name = code;
  }
}

/** Declares a ServiceError subclass for one AWS error code, so error tables stay one line per code. */
export function defineServiceError(code: string, statusCode = 400) {
  return class extends ServiceError {
    constructor(message: string) {
      super(code, message, statusCode);
    }
  };
}
