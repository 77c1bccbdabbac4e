import {
  CreateClusterCommand,
  CreateExpressGatewayServiceCommand,
  CreateGatewayCommand,
  DescribeExpressGatewayServiceCommand,
  DescribeGatewayCommand,
  DiscoverPollEndpointCommand,
  ListContainerInstancesCommand,
  ListGatewayClusterAssociationsCommand,
  ListGatewayRoutesCommand,
  ListGatewaysCommand,
  RegisterContainerInstanceCommand,
  SubmitContainerStateChangeCommand,
  SubmitTaskStateChangeCommand,
  UpdateContainerAgentCommand,
} from '@aws-sdk/client-ecs';
import { awsEcs, findAwsCli, requireCliInCi } from './aws-cli';
import { ControlPlane, errorOf } from './ecs-test-client';

/*
 * The operations localcloud answers deliberately rather than building: the ECS agent's own operations
 * (its agent is the gateway) and gateways / Express Mode services (they need a load balancer).
 */
describe('agent-only operations, gateways and Express services', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await ControlPlane.start();
    await cp.client().send(new CreateClusterCommand({ clusterName: 'agents' }));
  });
  afterAll(() => cp.close());

  it('refuses the agent operations with ClientException, after checking the cluster', async () => {
    const ecs = cp.client();
    expect(await errorOf(ecs.send(new DiscoverPollEndpointCommand({ cluster: 'agents' })))).toMatchObject({
      name: 'ClientException',
      message: expect.stringContaining('serves no agent communication'),
      $metadata: { httpStatusCode: 400 },
    });
    expect(await errorOf(ecs.send(new SubmitTaskStateChangeCommand({ cluster: 'nope', task: 't' })))).toMatchObject({
      name: 'ClusterNotFoundException',
    });
    expect(
      await errorOf(ecs.send(new SubmitContainerStateChangeCommand({ cluster: 'agents', status: 'RUNNING' }))),
    ).toMatchObject({ name: 'ClientException', message: expect.stringContaining('cannot submit') });
  });

  it('has no agent update for the local instance, nor an agent version for a registered one', async () => {
    const ecs = cp.client();
    const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: 'agents' }));
    expect(
      await errorOf(
        ecs.send(new UpdateContainerAgentCommand({ cluster: 'agents', containerInstance: containerInstanceArns![0]! })),
      ),
    ).toMatchObject({ name: 'NoUpdateAvailableException', $metadata: { httpStatusCode: 400 } });
    const { containerInstance } = await ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: 'agents',
        instanceIdentityDocument: JSON.stringify({ instanceId: 'i-0123456789abcdef0' }),
      }),
    );
    expect(
      await errorOf(
        ecs.send(
          new UpdateContainerAgentCommand({
            cluster: 'agents',
            containerInstance: containerInstance!.containerInstanceArn!,
          }),
        ),
      ),
    ).toMatchObject({ name: 'MissingVersionException' });
    expect(
      await errorOf(
        ecs.send(new UpdateContainerAgentCommand({ cluster: 'agents', containerInstance: 'x'.repeat(5000) })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/^.{1,700}$/) });
  });

  it('creates no gateway or Express service, and so lists and finds none', async () => {
    const ecs = cp.client();
    expect(
      await errorOf(
        ecs.send(
          new CreateGatewayCommand({
            name: 'gw',
            infrastructureRoleArn: 'arn:aws:iam::000000000000:role/infra',
            configuration: {} as never,
          }),
        ),
      ),
    ).toMatchObject({ name: 'UnsupportedFeatureException', $metadata: { httpStatusCode: 400 } });
    expect(
      await errorOf(
        ecs.send(
          new CreateExpressGatewayServiceCommand({ infrastructureRoleArn: 'arn:aws:iam::000000000000:role/infra' }),
        ),
      ),
    ).toMatchObject({ name: 'UnsupportedFeatureException', message: expect.stringContaining('CreateService') });
    expect(await ecs.send(new ListGatewaysCommand({}))).toMatchObject({ gateways: [] });
    expect(await ecs.send(new ListGatewayClusterAssociationsCommand({}))).toMatchObject({
      gatewayClusterAssociations: [],
    });
    expect(await ecs.send(new ListGatewayRoutesCommand({}))).toMatchObject({ gatewayRoutes: [] });
    expect(await errorOf(ecs.send(new DescribeGatewayCommand({ gateway: 'gw' })))).toMatchObject({
      name: 'GatewayNotFoundException',
    });
    expect(
      await errorOf(
        ecs.send(
          new DescribeExpressGatewayServiceCommand({
            serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/agents/web',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  const cli = findAwsCli();
  requireCliInCi(cli);
  (cli ? it : it.skip)('answers the AWS CLI the same way', async () => {
    const poll = await awsEcs(cli!, cp.gw.url, ['discover-poll-endpoint', '--cluster', 'agents']);
    expect(poll.code).not.toBe(0);
    expect(poll.stderr).toContain('(ClientException)');
    const submit = await awsEcs(cli!, cp.gw.url, ['submit-task-state-change', '--cluster', 'agents', '--task', 't']);
    expect(submit.stderr).toContain('(ClientException)');
  });
});
