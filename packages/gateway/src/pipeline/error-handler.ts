import type { ServerResponse } from 'node:http';
import { isStateStoreWriteError } from '@localcloud/persistence';
import type { Logger } from 'winston';
import { ServiceError } from '../plugin/service-error';
import { InternalFailureError, StateNotDurableError } from '../errors';
import { sendJsonError } from '../protocol/json-protocol';
import { sendQueryError } from '../protocol/query-protocol';
import type { Exchange } from './exchange';
import { KNOWN_AWS_SERVICES } from '../protocol/aws-services';

/**
 * The one place errors become responses: ServiceErrors keep their code and status; a change the state
 * store could not make durable is the service's own server fault (HTTP 500); anything else is a bug,
 * logged and answered as InternalFailure.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, res: ServerResponse, exchange: Exchange | undefined): void => {
    const serviceError = toServiceError(error, exchange?.provider?.service.name ?? exchange?.service);
    if (serviceError instanceof InternalFailureError) {
      logger.error('unhandled error', { requestId: exchange?.requestId, error: describe(error) });
    } else if (serviceError instanceof StateNotDurableError) {
      logger.error('state not durable', { requestId: exchange?.requestId, error: describe(error) });
    }
    if (res.headersSent) return;
    const service = exchange?.provider?.service;
    // A service whose provider did not load (or not yet) answers in its protocol as the edge knows it.
    const protocol =
      service?.protocol ?? KNOWN_AWS_SERVICES.find((known) => known.name === exchange?.service)?.protocol;
    if (protocol === 'query') sendQueryError(res, service?.xmlNamespace, serviceError, exchange!.requestId);
    else sendJsonError(res, exchange?.contentType ?? 'application/x-amz-json-1.1', serviceError);
  };
}

function toServiceError(error: unknown, service: string | undefined): ServiceError {
  if (error instanceof ServiceError) return error;
  if (isStateStoreWriteError(error)) {
    const known = KNOWN_AWS_SERVICES.find((candidate) => candidate.name === service);
    return new StateNotDurableError(known?.serverFault ?? 'InternalFailure');
  }
  return new InternalFailureError();
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
