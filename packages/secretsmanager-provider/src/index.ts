import type { ProviderFactory } from '@localcloud/gateway';
import { SecretsManagerProvider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=secretsmanager`. */
export const createProvider: ProviderFactory = (context) => new SecretsManagerProvider(context);
export { SecretsManagerProvider } from './provider';
