import type { Step } from './exchange';
import { assertJsonContentType, parseJsonBody } from '../protocol/json-protocol';
import { MissingActionError, UnknownOperationError } from '../errors';

/** Reads the operation from `X-Amz-Target` and the input from the JSON body. */
export const parseRequest: Step = (req, _res, exchange) => {
  const provider = exchange.provider!;
  exchange.contentType =
    provider.service.protocol === 'json1.0' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
  if (req.method !== 'POST') {
    throw new MissingActionError(`AWS JSON services accept POST requests only, not ${req.method}.`);
  }
  const target = req.get('x-amz-target');
  if (!target) throw new MissingActionError('The X-Amz-Target header is missing: it names the operation to call.');
  const dot = target.lastIndexOf('.');
  const operation = target.slice(dot + 1);
  if (
    (provider.service.targetPrefix && target.slice(0, dot) !== provider.service.targetPrefix) ||
    !provider.operations.has(operation)
  ) {
    throw new UnknownOperationError(`Operation '${target}' is not an operation of this service.`);
  }
  exchange.operation = operation;
  assertJsonContentType(req.get('content-type'));
  exchange.input = parseJsonBody(Buffer.isBuffer(req.body) ? req.body : undefined);
};
