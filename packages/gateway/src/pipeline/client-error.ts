import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServiceError } from '../plugin/service-error';
import {
  BadRequestError,
  RequestEntityTooLargeError,
  RequestHeaderFieldsTooLargeError,
  RequestTimeoutError,
} from '../errors';
import { requestUuid } from './request-uuid';
import { jsonErrorBody } from '../protocol/json-protocol';

/**
 * The error for what Node's HTTP parser refused before any request existed (so before any step ran), by
 * the parser's code: the statuses Node itself answers these with, as AWS-shaped errors.
 */
export function clientErrorOf(error: Error & { code?: string }): ServiceError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new RequestHeaderFieldsTooLargeError(
        "The request's headers are too large: Node's limit is 16 KB unless the gateway runs with " +
          'NODE_OPTIONS=--max-http-header-size=<bytes>.',
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new RequestEntityTooLargeError("The request's chunk extensions are too large.");
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestTimeoutError('The request was not received in time.');
    default:
      return new BadRequestError(`The request is not valid HTTP/1.1 (${error.code ?? error.message}).`);
  }
}

/**
 * The server's `clientError` listener: answers on the socket itself (there is no response object yet), in
 * the AWS JSON error shape, where Node would write a bare status line; then closes the connection, as
 * Node does. Nothing is written when the socket cannot take it, or when an answer on it has begun (a
 * keep-alive connection's previous request), which the bytes would corrupt.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const answer = clientErrorOf(error);
    const body = jsonErrorBody(answer);
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}\r\n` +
        'Content-Type: application/x-amz-json-1.1\r\n' +
        `x-amzn-ErrorType: ${answer.code}\r\n` +
        `x-amzn-RequestId: ${requestUuid()}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}
