import { CreateClusterCommand, DiscoverPollEndpointCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

describe('ECS clusters through the AWS SDK', () => {
  let gw: TestGateway;
  const clients: ECSClient[] = [];
  const client = (accessKeyId = 'test', region = 'us-east-1') => {
    const c = new ECSClient({ endpoint: gw.url, region, credentials: testCredentials(accessKeyId) });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ env: { SERVICES: 'ecs' } });
  });
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await gw.close();
  });

  it('creates a cluster with a long-format ARN and lists it', async () => {
    const ecs = client();
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    expect(cluster).toMatchObject({
      clusterName: 'demo',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
      status: 'ACTIVE',
    });
    const { clusterArns } = await ecs.send(new ListClustersCommand({}));
    expect(clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/demo']);
  });

  it('keeps accounts apart by access key id', async () => {
    await client('111111111111').send(new CreateClusterCommand({ clusterName: 'alpha' }));
    await client('222222222222').send(new CreateClusterCommand({ clusterName: 'beta' }));
    expect((await client('111111111111').send(new ListClustersCommand({}))).clusterArns).toEqual([
      'arn:aws:ecs:us-east-1:111111111111:cluster/alpha',
    ]);
    expect((await client('222222222222').send(new ListClustersCommand({}))).clusterArns).toEqual([
      'arn:aws:ecs:us-east-1:222222222222:cluster/beta',
    ]);
  });

  it('keeps regions apart', async () => {
    await client('333333333333', 'eu-west-1').send(new CreateClusterCommand({ clusterName: 'eu' }));
    expect((await client('333333333333', 'eu-west-1').send(new ListClustersCommand({}))).clusterArns).toEqual([
      'arn:aws:ecs:eu-west-1:333333333333:cluster/eu',
    ]);
    expect((await client('333333333333', 'us-west-2').send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('answers an operation localcloud does not implement with an honest 501', async () => {
    const error = await client()
      .send(new DiscoverPollEndpointCommand({}))
      .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
    expect(error).toMatchObject({ name: 'NotImplementedException', $metadata: { httpStatusCode: 501 } });
  });
});
