import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  ExecuteCommandCommand,
  ListServicesByNamespaceCommand,
  PutAttributesCommand,
} from '@aws-sdk/client-ecs';
import { QUOTED_CHARS } from '@localcloud/gateway';
import { ControlPlane, errorOf } from './ecs-test-client';

/*
 * A request value ECS's model does not bound (a name, an ARN, a command) can be megabytes long: a
 * refusal quotes its start, cut with `…`, never the whole value (the fuzz test wants messages under 2 KB).
 */
describe('refusals of over-long request values', () => {
  let cp: ControlPlane;
  const long = (start: string) => start + 'x'.repeat(70_000);
  /** The value's first 100 characters, then `…`: how the message quotes a command or a subnet. */
  const quoted = (value: string) => `${value.slice(0, 100)}…`;
  /** A name, an ARN or a reference: its first QUOTED_CHARS (every real one whole), then `…`. */
  const quotedName = (value: string) => `${value.slice(0, QUOTED_CHARS)}…`;

  beforeAll(async () => {
    cp = await ControlPlane.start({ SERVICES: 'ecs,servicediscovery' });
    await cp.client().send(new CreateClusterCommand({ clusterName: 'long' }));
  });
  afterAll(() => cp.close());

  it('quotes a namespace that was not found by its start', async () => {
    const namespace = long('ns-');
    expect(await errorOf(cp.client().send(new ListServicesByNamespaceCommand({ namespace })))).toMatchObject({
      name: 'NamespaceNotFoundException',
      message: `The specified namespace wasn't found: ${quotedName(namespace)}`,
    });
    const arn = long('arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-');
    expect(
      await errorOf(
        cp.client().send(new CreateClusterCommand({ clusterName: 'sc', serviceConnectDefaults: { namespace: arn } })),
      ),
    ).toMatchObject({
      name: 'NamespaceNotFoundException',
      message: `The specified namespace wasn't found: ${quotedName(arn)}`,
    });
  });

  it('quotes a malformed service registry ARN by its start', async () => {
    const registryArn = long('arn:');
    expect(
      await errorOf(
        cp.client().send(
          new CreateServiceCommand({
            cluster: 'long',
            serviceName: 's',
            taskDefinition: 'td',
            serviceRegistries: [{ registryArn }],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: `The format of the supplied service registry ARN is invalid: ${quotedName(registryArn)}.`,
    });
  });

  it('quotes an attribute target, a command and a reserved capacity provider name by their start', async () => {
    const ecs = cp.client();
    const targetId = long('arn:aws:ecs:us-east-1:000000000000:container-instance/long/');
    expect(
      await errorOf(ecs.send(new PutAttributesCommand({ cluster: 'long', attributes: [{ name: 'a', targetId }] }))),
    ).toMatchObject({
      name: 'TargetNotFoundException',
      message: `Could not find ${quotedName(targetId)}. TargetIds must be valid and belong to the same cluster.`,
    });
    const command = long("echo '");
    expect(
      await errorOf(ecs.send(new ExecuteCommandCommand({ cluster: 'long', task: 't', interactive: true, command }))),
    ).toMatchObject({ name: 'InvalidParameterException', message: `The command is not valid: ${quoted(command)}` });
    const name = long('aws-');
    const refusal = await errorOf(
      ecs.send(
        new CreateCapacityProviderCommand({
          name,
          autoScalingGroupProvider: { autoScalingGroupArn: 'arn:aws:autoscaling:us-east-1:000000000000:x' },
        }),
      ),
    );
    expect(refusal).toMatchObject({ name: 'ClientException', message: expect.stringMatching(/^.{1,300}$/) });
    expect(refusal.message).toContain(`The name '${quoted(name)}' can't be prefixed`);
  });
});
