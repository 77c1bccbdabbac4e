import type { ProviderFactory } from '@localcloud/gateway';
import { EcrProvider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=ecr`. */
export const createProvider: ProviderFactory = (context) => new EcrProvider(context);
export { EcrProvider } from './provider';
