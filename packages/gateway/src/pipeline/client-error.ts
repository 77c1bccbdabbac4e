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

/** Sockets whose refusal waits for the answers before it, or has been written. */
const waiting = new WeakSet<Duplex>();

/** How long a refused connection is read on, at most, after the refusal (see `answerAndClose`). */
const LINGER_MS = 2000;

/**
 * The server's `clientError` listener: answers on the socket itself (there is no response object yet), in
 * the AWS JSON error shape, where Node would write a bare status line; then closes the connection, as
 * Node does. Requests the parser read to their end before the refused bytes (pipelined, or in the same
 * packet) are answered first, in order: HTTP/1.1 answers in order, and a client reads the first answer on
 * a connection as its first request's. When the refused bytes are in a request's own body (a bad chunk)
 * or its upload stalled (the request timeout), the refusal is that request's answer. Nothing is written
 * when the socket cannot take it, or when that request's answer has begun.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (waiting.has(socket)) return; // Node's parser refuses every later packet too: one refusal waits.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !inFlight || !inFlight.req.complete) {
    answerAndClose(error, socket, inFlight);
    return;
  }
  // An answer attached to the socket always has its 'finish' (or 'close') to come: Node's own 'finish'
  // listener, which runs before this one, detaches it and attaches the next pipelined request's answer.
  waiting.add(socket);
  const settled = (finished: boolean) => () => {
    inFlight.off('finish', onFinish);
    inFlight.off('close', onClose);
    waiting.delete(socket);
    // 'close' without 'finish': the answer was cut short with its socket; nothing more can be written.
    if (finished) answerClientError(error, socket);
    else socket.destroy();
  };
  const onFinish = settled(true);
  const onClose = settled(false);
  inFlight.once('finish', onFinish);
  inFlight.once('close', onClose);
}

function answerAndClose(error: Error & { code?: string }, socket: Duplex, inFlight?: ServerResponse | null): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (!inFlight?.headersSent) {
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
  // The request timeout (or a socket error) leaves Node's parser reading requests: close now, as Node does.
  if (!error.code?.startsWith('HPE_')) {
    socket.destroy();
    return;
  }
  // A parse error leaves the parser refusing all later input. So a lingering close (RFC 9112, 9.6): the end
  // of the stream after what is queued (answers, the refusal), reading on until the client closes, for at
  // most LINGER_MS. Closing with input unread sends a reset, which can make the client drop answers it has
  // not read yet.
  waiting.add(socket); // the later packets' refusals: this one is written
  socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
