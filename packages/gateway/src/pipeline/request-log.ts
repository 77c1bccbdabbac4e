import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'winston';
import { exchangeOf, type Exchange } from './exchange';
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
        const requestBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
        line.requestBody = requestBody === undefined ? undefined : loggedBody(exchange, 'input', requestBody);
        line.responseBody = loggedBody(exchange, 'output', String(res.locals.responseBody ?? ''));
      }
      // Health probes (a container HEALTHCHECK every few seconds) would drown the log at info.
      logger.log(req.path === HEALTH_PATH ? 'debug' : 'info', 'request', line);
    });
    next();
  };
}

/**
 * A body as the log may show it: as sent, unless the provider redacts sensitive members (secret values,
 * passwords), in which case the redacted JSON, or nothing when it cannot be redacted.
 */
function loggedBody(exchange: Exchange, kind: 'input' | 'output', text: string): string {
  const redact = exchange.provider?.redactForLog;
  if (!redact || text === '') return text;
  const withheld = `[${Buffer.byteLength(text)} bytes withheld: ${exchange.service} has sensitive members]`;
  if (!exchange.operation || !exchange.provider!.operations.has(exchange.operation)) return withheld;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return withheld;
  }
  try {
    return JSON.stringify(redact.call(exchange.provider, exchange.operation, kind, body));
  } catch {
    return withheld;
  }
}
