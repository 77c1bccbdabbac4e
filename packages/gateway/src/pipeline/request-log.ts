import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import type { Exchange } from './exchange';
import { HEALTH_PATH } from '../health';
import { pathOf, responseBodyOf } from '../protocol/http';
import { isLevelEnabled } from './level-enabled';

/**
 * One log line per request once its answer is written; with debug on, the bodies too. Nothing is
 * built, and no listener added, unless the line's level is logged (at `warn`, a request costs nothing here).
 */
export function requestLog(logger: Logger, debug: boolean) {
  return (req: IncomingMessage, res: ServerResponse, exchange: Exchange): void => {
    const path = pathOf(req);
    // Health probes (a container HEALTHCHECK every few seconds) would drown the log at info.
    const level = path === HEALTH_PATH ? 'debug' : 'info';
    if (!isLevelEnabled(logger, level)) return;
    res.once('finish', () => {
      const line: Record<string, unknown> = {
        requestId: exchange.requestId,
        service: exchange.service ?? '-',
        operation: exchange.operation ?? `${req.method} ${path}`,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - exchange.startedAt) * 10) / 10,
      };
      if (exchange.accountId) line.account = exchange.accountId;
      if (exchange.region) line.region = exchange.region;
      if (debug) {
        const requestBody = exchange.body?.toString('utf8');
        line.requestBody = requestBody === undefined ? undefined : loggedBody(exchange, 'input', requestBody);
        line.responseBody = loggedBody(exchange, 'output', responseBodyOf(res) ?? '');
      }
      logger.log(level, 'request', line);
    });
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
