import type { ProviderFactory } from '@localcloud/gateway';
import { SSMProvider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=ssm`. */
export const createProvider: ProviderFactory = (context) => new SSMProvider(context);
export { SSMProvider } from './provider';
