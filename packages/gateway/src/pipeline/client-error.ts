import { STATUS_CODES, type ServerResponse } from 'node:http';
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

/** Sockets whose refusal waits for the answers before it. */
const waiting = new WeakSet<Duplex>();

/**
 * The server's `clientError` listener: answers on the socket itself (there is no response object yet), in
 * the AWS JSON error shape, where Node would write a bare status line; then closes the connection, as
 * Node does. When a request before the refused bytes is still being answered on this connection (they
 * came in the same packet), its answer goes first and this one after it: HTTP/1.1 answers in order, and
 * a client reads the first answer on a connection as its first request's. Nothing is written when the
 * socket cannot take it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET') {
    socket.destroy();
  } else if (inFlight && !inFlight.writableFinished) {
    // Node's parser refuses every later packet on the socket too: one refusal waits, not one per packet.
    if (waiting.has(socket)) return;
    waiting.add(socket);
    // Then the next pipelined request's answer, which Node gives the socket as this one finishes, and so on.
    // 'close' without 'finish': that answer was cut short with its socket, and nothing more can be written.
    const after = () => {
      inFlight.off('close', after);
      inFlight.off('finish', after);
      waiting.delete(socket);
      if (inFlight.writableFinished) answerClientError(error, socket);
      else socket.destroy();
    };
    inFlight.once('finish', after);
    inFlight.once('close', after);
  } else {
    answerAndClose(error, socket);
  }
}

function answerAndClose(error: Error & { code?: string }, socket: Duplex): void {
  if (socket.writable) {
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
