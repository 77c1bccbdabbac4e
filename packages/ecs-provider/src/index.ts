import type { ProviderFactory } from '@localcloud/gateway';
import { EcsProvider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=ecs`. */
export const createProvider: ProviderFactory = (context) => new EcsProvider(context);
export { EcsProvider };
