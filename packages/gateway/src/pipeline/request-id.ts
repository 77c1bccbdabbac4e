import type { NextFunction, Request, Response } from 'express';
import { openExchange } from './exchange';

/** Express's side of the edge (the health route): opens the exchange as the AWS request path does. */
export function requestId(_req: Request, res: Response, next: NextFunction): void {
  res.locals.exchange = openExchange(res);
  next();
}
