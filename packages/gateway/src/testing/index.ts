import { createGateway, type Gateway } from '../app';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import type { ProviderSource } from '../plugin/registry';

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a real gateway on a free loopback port. `env` holds gateway settings (as the process
 * environment would); `providers` injects plugins directly, e.g. one with an in-memory backend.
 */
export async function startTestGateway(
  // An env value of undefined unsets that variable (e.g. ECR_REGISTRY_LISTEN, to test its default).
  options: { env?: Record<string, string | undefined>; providers?: Record<string, ProviderSource> } = {},
): Promise<TestGateway> {
  // Task output on the console would land in the middle of jest's report; the ECR registry gets a free port.
  const env = {
    GATEWAY_LISTEN: '127.0.0.1:0',
    ECS_TASK_OUTPUT: 'off',
    ECR_REGISTRY_LISTEN: '127.0.0.1:0',
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'error');
  const gateway = await createGateway({
    config,
    logger,
    providers: options.providers,
    env: { ...process.env, ...env },
  });
  const info = await gateway.listen();
  return { gateway, url: info.url, close: () => gateway.close() };
}

/** Static credentials for SDK clients: a 12-digit access key id selects that account. */
export function testCredentials(accessKeyId = 'test') {
  return { accessKeyId, secretAccessKey: 'test' };
}

export type { InputModel, InputSchema } from './input-model';
export { findAwsCliV2, requireAwsCliV2, awsCliEnv, runAwsCli, awsCliJson, type AwsCliResult } from './aws-cli';
export { usePersistentGateway, type PersistentGateway, type PersistentGatewayOptions } from './persistent-gateway';
export { failure, type SdkFailure } from './failure';
export { inCi } from './in-ci';
