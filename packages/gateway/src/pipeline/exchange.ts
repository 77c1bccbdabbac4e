import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestUuid } from './request-uuid';
import type { ServiceProvider } from '../plugin/service-provider';
import { headerOf } from '../protocol/http';
import { parseCredentialScope, type CredentialScope } from '../protocol/sigv4';

/**
 * The request's state as the pipeline fills it in, step by step. Each step reads what earlier steps
 * wrote instead of re-reading headers.
 */
export interface Exchange {
  requestId: string;
  startedAt: number;
  /** The raw request body, once read; undefined when the request has none. */
  body?: Buffer;
  service?: string;
  provider?: ServiceProvider;
  operation?: string;
  region?: string;
  accountId?: string;
  accessKeyId?: string;
  input?: Record<string, unknown>;
  contentType: string;
  /** The Authorization header's credential scope once read (null: it has none); see `credentialScopeOf`. */
  credentialScope: CredentialScope | null | undefined;
}

/** Opens a request's exchange and gives its response the `x-amzn-RequestId` every AWS answer carries. */
export function openExchange(res: ServerResponse): Exchange {
  const exchange: Exchange = {
    requestId: requestUuid(),
    startedAt: performance.now(),
    body: undefined,
    service: undefined,
    provider: undefined,
    operation: undefined,
    region: undefined,
    accountId: undefined,
    accessKeyId: undefined,
    input: undefined,
    contentType: 'application/x-amz-json-1.1',
    credentialScope: undefined,
  };
  res.setHeader('x-amzn-RequestId', exchange.requestId);
  return exchange;
}

export type Step = (req: IncomingMessage, res: ServerResponse, exchange: Exchange) => void | Promise<void>;

/**
 * The request's SigV4 credential scope (or undefined), read from its Authorization header once: the
 * service, its region and its account all come from it.
 */
export function credentialScopeOf(req: IncomingMessage, exchange: Exchange): CredentialScope | undefined {
  if (exchange.credentialScope === undefined) {
    exchange.credentialScope = parseCredentialScope(headerOf(req, 'authorization')) ?? null;
  }
  return exchange.credentialScope ?? undefined;
}
