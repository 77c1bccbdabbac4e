import { CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { testCredentials } from '@localcloud/gateway/testing';
import { failure, useLogsGateway } from './support';

describe('the logs provider bundled with the gateway', () => {
  describe('with SERVICES unset', () => {
    const gw = useLogsGateway({});

    it('loads beside the ECS provider, each routed by its own signing name and target', async () => {
      const health = await fetch(`${gw.gateway.url}/_localcloud/health`).then(
        (r) => r.json() as Promise<{ services: object }>,
      );
      expect(Object.keys(health.services).sort()).toEqual(expect.arrayContaining(['ecs', 'logs']));

      const logs = gw.client('600000000001');
      await logs.send(new CreateLogGroupCommand({ logGroupName: '/both' }));
      expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups!.map((g) => g.logGroupName)).toEqual([
        '/both',
      ]);

      const ecs = new ECSClient({
        endpoint: gw.gateway.url,
        region: 'us-east-1',
        credentials: testCredentials('600000000001'),
      });
      try {
        expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual(expect.any(Array));
      } finally {
        ecs.destroy();
      }
    });
  });

  describe('with SERVICES=ecs', () => {
    const gw = useLogsGateway({ SERVICES: 'ecs' });

    it('answers Logs requests with how to enable the service', async () => {
      const error = await failure(gw.client().send(new DescribeLogGroupsCommand({})));
      expect(error).toMatchObject({ name: 'ServiceNotEnabledException', $metadata: { httpStatusCode: 501 } });
      expect(error.message).toContain('SERVICES=ecs,logs');
    });
  });
});
