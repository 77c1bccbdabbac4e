import express, { type NextFunction, type Request, type Response } from 'express';
import { RequestEntityTooLargeError, SerializationError } from '../errors';
import type { ServiceError } from '../plugin/service-error';
import { truncateText } from '../plugin/value-preview';

/**
 * Reads the raw body (inflating a gzip, deflate or br Content-Encoding), bounded by `limit`. Every
 * failure to read it is the client's: a body over the limit, an unknown encoding, a body that does not
 * decompress, an aborted upload; each becomes its AWS error here, where its cause is known.
 */
export function readBody(limit: number) {
  const raw = express.raw({ type: () => true, limit });
  return (req: Request, res: Response, next: NextFunction): void => {
    raw(req, res, (error?: unknown) => next(error === undefined ? undefined : bodyError(error, req)));
  };
}

function bodyError(error: unknown, req: Request): ServiceError {
  const { type, limit } = error as { type?: string; limit?: number };
  if (type === 'entity.too.large') {
    return new RequestEntityTooLargeError(`The request body exceeds the limit of ${limit} bytes.`);
  }
  const encoding = truncateText(req.get('content-encoding') ?? '');
  if (type === 'encoding.unsupported') {
    return new SerializationError(`Content-Encoding '${encoding}' is not supported: use gzip, deflate, br or none.`);
  }
  if (encoding && encoding !== 'identity') {
    return new SerializationError(`The request body is not valid ${encoding} data, as its Content-Encoding says.`);
  }
  return new SerializationError(
    `The request body could not be read: ${truncateText(String((error as Error).message))}`,
  );
}
