import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

export { failure, type SdkFailure as SdkError } from '@localcloud/gateway/testing';

/**
 * A gateway with the logs provider and CloudWatch Logs clients against it, closed after the suite.
 * `env` defaults to SERVICES=logs.
 */
export function useLogsGateway(env: Record<string, string> = { SERVICES: 'logs' }) {
  let gateway: TestGateway | undefined;
  const clients: CloudWatchLogsClient[] = [];
  beforeAll(async () => {
    gateway = await startTestGateway({ env });
  });
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await gateway?.close();
  });
  return {
    get gateway(): TestGateway {
      return gateway!;
    },
    client(accessKeyId = 'test', region = 'us-east-1'): CloudWatchLogsClient {
      const client = new CloudWatchLogsClient({
        endpoint: gateway!.url,
        region,
        credentials: testCredentials(accessKeyId),
      });
      clients.push(client);
      return client;
    },
  };
}

let counter = 0;
/** A name no other test of the run uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}
