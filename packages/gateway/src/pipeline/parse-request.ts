import type { IncomingMessage } from 'node:http';
import type { Exchange, Step } from './exchange';
import { assertJsonContentType, parseJsonBody } from '../protocol/json-protocol';
import { readQueryParams } from '../protocol/query-protocol';
import { headerOf } from '../protocol/http';
import { InvalidActionError, MissingActionError, UnknownOperationError } from '../errors';
import { truncateText } from '../plugin/value-preview';

/** Reads the operation and its input as the provider's protocol carries them. */
export const parseRequest: Step = (req, _res, exchange) => {
  if (exchange.provider!.service.protocol === 'query') parseQuery(req, exchange);
  else parseJson(req, exchange);
};

/** AWS JSON: the operation from `X-Amz-Target`, the input from the JSON body. */
function parseJson(req: IncomingMessage, exchange: Exchange): void {
  const provider = exchange.provider!;
  exchange.contentType =
    provider.service.protocol === 'json1.0' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
  if (req.method !== 'POST') {
    throw new MissingActionError(`AWS JSON services accept POST requests only, not ${req.method}.`);
  }
  const target = headerOf(req, 'x-amz-target');
  if (!target) throw new MissingActionError('The X-Amz-Target header is missing: it names the operation to call.');
  const dot = target.lastIndexOf('.');
  const operation = target.slice(dot + 1);
  if (
    (provider.service.targetPrefix && target.slice(0, dot) !== provider.service.targetPrefix) ||
    !provider.operations.has(operation)
  ) {
    throw new UnknownOperationError(`Operation '${truncateText(target)}' is not an operation of this service.`);
  }
  exchange.operation = operation;
  assertJsonContentType(headerOf(req, 'content-type'));
  exchange.input = parseJsonBody(exchange.body);
}

/**
 * AWS Query: `Action` and `Version` among the form parameters (URL query string or form body, GET or POST);
 * the rest become the input through the provider's codec.
 */
function parseQuery(req: IncomingMessage, exchange: Exchange): void {
  const { service, queryCodec } = exchange.provider!;
  exchange.contentType = 'text/xml';
  const params = readQueryParams(req, exchange.body);
  const action = params.get('Action');
  const version = params.get('Version');
  params.delete('Action');
  params.delete('Version');
  if (!action) throw new MissingActionError('The request must contain the parameter Action.');
  if (!exchange.provider!.operations.has(action) || (version !== undefined && version !== service.apiVersion)) {
    throw new InvalidActionError(
      `Could not find operation ${truncateText(action)} for version ${truncateText(String(version ?? service.apiVersion))}.`,
    );
  }
  exchange.operation = action;
  exchange.input = queryCodec!.decodeInput(action, params);
}
