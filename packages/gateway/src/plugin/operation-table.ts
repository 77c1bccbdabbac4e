import type { RequestContext } from './request-context';
import { NotImplementedError } from '../errors';

export type OperationHandler<S> = (input: any, scope: S, context: RequestContext) => unknown | Promise<unknown>;

/**
 * Dispatch by operation name. An operation of the API model without a handler answers an honest
 * "not implemented" error instead of a fake success.
 */
export class OperationTable<S> {
  constructor(
    private readonly serviceName: string,
    private readonly handlers: Readonly<Record<string, OperationHandler<S>>>,
  ) {}

  has(operation: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.handlers, operation);
  }

  async dispatch(operation: string, input: unknown, scope: S, context: RequestContext): Promise<unknown> {
    if (!this.has(operation)) {
      throw new NotImplementedError(
        `The operation ${operation} of service ${this.serviceName} is not implemented yet in localcloud.`,
      );
    }
    return this.handlers[operation]!(input, scope, context);
  }
}
