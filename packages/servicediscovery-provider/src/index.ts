import type { ProviderFactory } from '@localcloud/gateway';
import { ServiceDiscoveryProvider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=servicediscovery`. */
export const createProvider: ProviderFactory = (context) => new ServiceDiscoveryProvider(context);
export { ServiceDiscoveryProvider } from './provider';
