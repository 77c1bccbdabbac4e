import { ServiceError, defineServiceError } from './plugin/service-error';

/*
 * Errors the edge itself raises, each with the AWS code and HTTP status clients expect.
 * Provider-specific errors live in their own packages and extend the same ServiceError.
 */

/** The body is not valid JSON, or not a JSON object. */
export const SerializationError = defineServiceError('SerializationException', 400);
/** The request's Content-Type is not one the service's protocol accepts. */
export const UnsupportedMediaTypeError = defineServiceError('UnsupportedMediaTypeException', 415);
/** The body exceeds the configured size limit. */
export const RequestEntityTooLargeError = defineServiceError('RequestEntityTooLargeException', 413);
/** The request's headers exceed Node's limit (answered before any step runs: pipeline/client-error.ts). */
export const RequestHeaderFieldsTooLargeError = defineServiceError('RequestHeaderFieldsTooLargeException', 431);
/** The request is not HTTP/1.1 that Node's parser can read (answered before any step runs). */
export const BadRequestError = defineServiceError('BadRequestException', 400);
/** The request did not arrive within the server's request timeout (answered before any step runs). */
export const RequestTimeoutError = defineServiceError('RequestTimeoutException', 408);
/** The target names an operation the service's API does not have. */
export const UnknownOperationError = defineServiceError('UnknownOperationException', 400);
/** A JSON protocol request without an X-Amz-Target header, or a Query request without `Action`. */
export const MissingActionError = defineServiceError('MissingAction', 400);
/** An AWS Query request names an action the service's API (at the request's version) does not have. */
export const InvalidActionError = defineServiceError('InvalidAction', 400);
/** An AWS Query request whose parameters cannot be decoded. */
export const MalformedQueryStringError = defineServiceError('MalformedQueryString', 400);
/** The request addresses no AWS service localcloud knows. */
export const UnknownServiceError = defineServiceError('UnknownServiceException', 400);
/** The request addresses an AWS service that is not enabled by `SERVICES`. */
export const ServiceNotEnabledError = defineServiceError('ServiceNotEnabledException', 501);
/** An operation of the service's API that localcloud does not implement (yet). */
export const NotImplementedError = defineServiceError('NotImplementedException', 501);
/** The service's provider could not start (its start failed): its operations answer this until a restart. */
export const ServiceUnavailableError = defineServiceError('ServiceUnavailable', 503);
/** Anything unexpected: the detail goes to the log, never to the client. */
export class InternalFailureError extends ServiceError {
  constructor(message = 'An internal error occurred in localcloud. See the gateway log for details.') {
    super('InternalFailure', message, 500, false);
  }
}
/**
 * The state store could not make a change durable (a failed journal write or fdatasync), or refuses writes
 * after one: the change was not kept. Answered as the service's own server fault (`code`); the detail is logged.
 */
export class StateNotDurableError extends ServiceError {
  constructor(code: string) {
    super(
      code,
      'localcloud could not write this change to its data directory, so it was not made. See the gateway log.',
      500,
      false,
    );
  }
}
