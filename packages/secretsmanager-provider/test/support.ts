import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';

export interface Harness {
  readonly gateway: TestGateway;
  readonly client: SecretsManagerClient;
  close(): Promise<void>;
}

/** A gateway serving only Secrets Manager, and an SDK client pointed at it. */
export async function startSecretsManager(env: Record<string, string> = {}, region = 'us-east-1'): Promise<Harness> {
  const gateway = await startTestGateway({
    env: { SERVICES: 'secretsmanager', ...env },
    providers: { secretsmanager: createProvider },
  });
  const client = new SecretsManagerClient({ endpoint: gateway.url, region, credentials: testCredentials() });
  return {
    gateway,
    client,
    close: async () => {
      client.destroy();
      await gateway.close();
    },
  };
}

export { failure, type SdkFailure as Failure } from '@localcloud/gateway/testing';

let counter = 0;
/** A secret name no other test of the run uses. */
export const uniqueName = (prefix = 'app') => `${prefix}/secret-${process.pid}-${++counter}`;
