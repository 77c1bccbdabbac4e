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

export interface Failure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

export async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    return error as Failure;
  }
  throw new Error('expected the call to fail');
}

let counter = 0;
/** A secret name no other test of the run uses. */
export const uniqueName = (prefix = 'app') => `${prefix}/secret-${process.pid}-${++counter}`;
