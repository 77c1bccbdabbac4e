import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Exchange } from './exchange';

/** Gives every response an `x-amzn-RequestId` and opens the request's exchange record. */
export function requestId(_req: Request, res: Response, next: NextFunction): void {
  const exchange: Exchange = {
    requestId: randomUUID(),
    startedAt: performance.now(),
    contentType: 'application/x-amz-json-1.1',
  };
  res.locals.exchange = exchange;
  res.set('x-amzn-RequestId', exchange.requestId);
  next();
}
