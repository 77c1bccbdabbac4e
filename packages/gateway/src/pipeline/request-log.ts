import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'winston';
import { exchangeOf } from './exchange';
import { HEALTH_PATH } from '../health';

/** One log line per request; with debug on, the bodies too. */
export function requestLog(logger: Logger, debug: boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (debug) {
      const send = res.send.bind(res);
      res.send = (body?: unknown) => {
        res.locals.responseBody = body;
        return send(body);
      };
    }
    res.on('finish', () => {
      const exchange = exchangeOf(res);
      const line: Record<string, unknown> = {
        requestId: exchange.requestId,
        service: exchange.service ?? '-',
        operation: exchange.operation ?? `${req.method} ${req.path}`,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - exchange.startedAt) * 10) / 10,
      };
      if (exchange.accountId) line.account = exchange.accountId;
      if (exchange.region) line.region = exchange.region;
      if (debug) {
        line.requestBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
        line.responseBody = String(res.locals.responseBody ?? '');
      }
      // Health probes (a container HEALTHCHECK every few seconds) would drown the log at info.
      logger.log(req.path === HEALTH_PATH ? 'debug' : 'info', 'request', line);
    });
    next();
  };
}
