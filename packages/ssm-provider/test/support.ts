import { SSMClient } from '@aws-sdk/client-ssm';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

export interface SsmFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

/** The error a call fails with; the test fails if it succeeds. */
export async function failure(call: Promise<unknown>): Promise<SsmFailure> {
  try {
    await call;
  } catch (error) {
    return error as SsmFailure;
  }
  throw new Error('expected the call to fail');
}

export async function startSsm(env: Record<string, string> = {}): Promise<TestGateway> {
  return startTestGateway({ env: { SERVICES: 'ssm', ...env } });
}

export function ssmClient(gateway: TestGateway, region = 'us-east-1', accessKeyId?: string): SSMClient {
  const credentials = testCredentials();
  return new SSMClient({
    endpoint: gateway.url,
    region,
    credentials: accessKeyId ? { ...credentials, accessKeyId } : credentials,
  });
}
