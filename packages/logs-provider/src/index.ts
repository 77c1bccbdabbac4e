import type { ProviderFactory } from '@localcloud/gateway';
import { LogsProvider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=logs`. */
export const createProvider: ProviderFactory = (context) => new LogsProvider(context);
export { LogsProvider, type LogsProviderOptions } from './provider';
export { isLogsSink, type LogsSink, type SinkEvent } from './logs-sink';
export type { Scope } from './arn';
export { logGroupArn, logStreamArn } from './arn';
