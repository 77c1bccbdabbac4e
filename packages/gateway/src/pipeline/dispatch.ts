import type { ServerResponse } from 'node:http';
import type { Exchange, Step } from './exchange';
import type { ServiceProvider } from '../plugin/service-provider';
import { sendJsonResult } from '../protocol/json-protocol';
import { sendQueryResult } from '../protocol/query-protocol';

/**
 * Validates the input against the provider's model, calls its handler and serialises the result.
 *
 * Not an async function: the answer is sent from a callback of the handler's promise. An async function
 * awaiting the handler was, on every request, a generator and a promise of its own, and the largest
 * function TurboFan compiled in Register's first thousands of requests (it inlined the provider's
 * `handle`, its durability wait and the answer's writing). A throw here (validation, or a `handle` that
 * throws before returning its promise) is the step's throw, which the request path answers as before.
 */
export const dispatch: Step = (req, res, exchange) => {
  const provider = exchange.provider!;
  const operation = exchange.operation!;
  const input = exchange.input ?? {};
  provider.validateInput?.(operation, input);
  const output = provider.handle(operation, input, {
    requestId: exchange.requestId,
    service: exchange.service!,
    operation,
    region: exchange.region!,
    accountId: exchange.accountId!,
    accessKeyId: exchange.accessKeyId,
    host: req.headers.host,
    bodyBytes: exchange.body?.length ?? 0,
  });
  // A provider written in plain JavaScript may answer without a promise.
  return Promise.resolve(output).then((result) => send(res, exchange, provider, operation, result));
};

function send(
  res: ServerResponse,
  exchange: Exchange,
  provider: ServiceProvider,
  operation: string,
  output: unknown,
): void {
  if (provider.service.protocol === 'query') {
    const resultXml = provider.queryCodec!.encodeOutput(operation, output);
    sendQueryResult(res, operation, provider.service.xmlNamespace, resultXml, exchange.requestId);
  } else {
    sendJsonResult(res, exchange.contentType, output);
  }
}
