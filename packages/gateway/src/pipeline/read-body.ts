import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { RequestEntityTooLargeError, SerializationError } from '../errors';
import type { ServiceError } from '../plugin/service-error';
import { truncateText } from '../plugin/value-preview';
import { headerOf } from '../protocol/http';

/** Why a body could not be read; each becomes its AWS error in `bodyError`, where its cause is known. */
type Failure = 'too-large' | 'unsupported-encoding' | 'read';

/**
 * Reads the raw body (inflating a gzip, deflate or br Content-Encoding), bounded by `limit` bytes after
 * inflating; undefined when the request has no body (neither Content-Length nor Transfer-Encoding).
 * Every failure to read it is the client's: a body over the limit, an unknown encoding, a body that does
 * not decompress, a short or aborted upload. As body-parser did, a refused body is read to its end before
 * the error is answered, so the connection stays usable.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declaredLength = req.headers['content-length'];
  if (declaredLength === undefined && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const contentEncoding = headerOf(req, 'content-encoding');
    const encoding = (contentEncoding || 'identity').toLowerCase();
    let settled = false;
    const fail = (failure: Failure, error?: Error) => {
      if (settled) return;
      settled = true;
      if (inflater) {
        req.unpipe(inflater);
        inflater.on('error', () => {});
        inflater.destroy();
      }
      const answer = () => reject(bodyError(failure, contentEncoding, limit, error));
      // Read off the rest of the request before answering (as body-parser did), unless it is over.
      if (req.complete || req.destroyed) answer();
      else {
        req.once('end', answer);
        req.once('close', answer);
        req.resume();
      }
    };

    let stream: Readable = req;
    let inflater: Transform | undefined;
    let length: number | undefined;
    if (encoding === 'identity') {
      length = declaredLength === undefined ? undefined : Number(declaredLength);
      if (length !== undefined && length > limit) return fail('too-large');
    } else {
      inflater = decompressor(encoding);
      if (!inflater) return fail('unsupported-encoding');
      stream = inflater;
      req.pipe(inflater);
    }

    const chunks: Buffer[] = [];
    let received = 0;
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limit) return fail('too-large');
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (settled) return;
      if (length !== undefined && received !== length) {
        return fail('read', new Error('request size did not match content length'));
      }
      settled = true;
      if (inflater) req.resume();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    });
    stream.on('error', (error: Error) => fail('read', error));
    req.on('aborted', () => fail('read', new Error('request aborted')));
  });
}

function decompressor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

function bodyError(failure: Failure, contentEncoding: string | undefined, limit: number, error?: Error): ServiceError {
  if (failure === 'too-large') {
    return new RequestEntityTooLargeError(`The request body exceeds the limit of ${limit} bytes.`);
  }
  const encoding = truncateText(contentEncoding ?? '');
  if (failure === 'unsupported-encoding') {
    return new SerializationError(`Content-Encoding '${encoding}' is not supported: use gzip, deflate, br or none.`);
  }
  if (encoding && encoding !== 'identity') {
    return new SerializationError(`The request body is not valid ${encoding} data, as its Content-Encoding says.`);
  }
  return new SerializationError(`The request body could not be read: ${truncateText(String(error?.message))}`);
}
