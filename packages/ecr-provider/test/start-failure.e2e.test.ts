import net from 'node:net';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeRepositoriesCommand,
  DescribeImagesCommand,
  CreateRepositoryCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import { failure, startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

/** ECR that cannot start does not take the gateway down; it says why, in AWS's shape. */
describe('ECR when it cannot start', () => {
  it('with its registry port taken: the gateway serves the others, ECR answers ServiceUnavailable', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    let gw: TestGateway | undefined;
    try {
      gw = await startTestGateway({ env: { SERVICES: 'ecr,logs', ECR_REGISTRY_LISTEN: `127.0.0.1:${port}` } });
      const client = { endpoint: gw.url, region: 'us-east-1', credentials: testCredentials(), maxAttempts: 1 };
      const ecr = new ECRClient(client);
      const logs = new CloudWatchLogsClient(client);
      const error = await failure(ecr.send(new DescribeRepositoriesCommand({})));
      expect(error.name).toBe('ServiceUnavailable');
      expect(error.$metadata.httpStatusCode).toBe(503);
      expect(error.message).toContain(`cannot listen on 127.0.0.1:${port} for the image registry`);
      await expect(logs.send(new DescribeLogGroupsCommand({}))).resolves.toMatchObject({ logGroups: [] });
      const health = (await (await fetch(`${gw.url}/_localcloud/health`)).json()) as {
        services: Record<string, { status: string; error?: string }>;
      };
      expect(health.services.ecr!.status).toBe('degraded');
      expect(health.services.ecr!.error).toContain('set ECR_REGISTRY_LISTEN to a free port');
      expect(health.services.logs!.status).toBe('running');
      ecr.destroy();
      logs.destroy();
    } finally {
      // Resolves: nothing the failed start opened is left behind to keep jest waiting.
      await gw?.close();
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('with a registry binary that exits at once: the API answers, image operations say why (degraded)', async () => {
    const gw = await startTestGateway({ env: { SERVICES: 'ecr', ECR_REGISTRY_BINARY: '/bin/false' } });
    try {
      const ecr = new ECRClient({ endpoint: gw.url, region: 'us-east-1', credentials: testCredentials() });
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'still-here' }));
      const error = await failure(ecr.send(new DescribeImagesCommand({ repositoryName: 'still-here' })));
      expect(error.name).toBe('ServerException');
      expect(error.message).toContain('The image registry did not start');
      ecr.destroy();
    } finally {
      await gw.close();
    }
  });
});
