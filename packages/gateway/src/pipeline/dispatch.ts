import type { Step } from './exchange';
import { sendJsonResult } from '../protocol/json-protocol';
import { sendQueryResult } from '../protocol/query-protocol';

/** Validates the input against the provider's model, calls its handler and serialises the result. */
export const dispatch: Step = async (req, res, exchange) => {
  const provider = exchange.provider!;
  const operation = exchange.operation!;
  const input = exchange.input ?? {};
  provider.validateInput?.(operation, input);
  const output = await provider.handle(operation, input, {
    requestId: exchange.requestId,
    service: exchange.service!,
    operation,
    region: exchange.region!,
    accountId: exchange.accountId!,
    accessKeyId: exchange.accessKeyId,
    host: req.headers.host,
  });
  if (provider.service.protocol === 'query') {
    const resultXml = provider.queryCodec!.encodeOutput(operation, output);
    sendQueryResult(res, operation, provider.service.xmlNamespace, resultXml, exchange.requestId);
  } else {
    sendJsonResult(res, exchange.contentType, output);
  }
};
