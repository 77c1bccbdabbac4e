import { SSMClient } from '@aws-sdk/client-ssm';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

export { failure, type SdkFailure as SsmFailure } from '@localcloud/gateway/testing';

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
