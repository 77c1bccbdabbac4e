import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  DescribeCapacityProvidersCommand,
  DescribeContainerInstancesCommand,
  ListAttributesCommand,
  ListContainerInstancesCommand,
  PutAttributesCommand,
  RegisterContainerInstanceCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { ControlPlane } from './ecs-test-client';

describe('capacity providers and container instances across a gateway restart (PERSISTENCE=1)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-ecs-capacity-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const start = () => ControlPlane.start({ PERSISTENCE: '1', DATA_DIR: dataDir });

  it('keeps providers, registered instances, attributes and the local instance with its state', async () => {
    const first = await start();
    const ecs = first.client('320000000001');
    await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'kept-asg',
        autoScalingGroupProvider: {
          autoScalingGroupArn: 'arn:aws:autoscaling:us-east-1:320000000001:autoScalingGroup:x',
        },
      }),
    );
    await ecs.send(new CreateClusterCommand({ clusterName: 'kept', capacityProviders: ['kept-asg'] }));
    const [local] = (await ecs.send(new ListContainerInstancesCommand({ cluster: 'kept' }))).containerInstanceArns!;
    const { containerInstance } = await ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: 'kept',
        instanceIdentityDocument: JSON.stringify({ instanceId: 'i-00000000000000001' }),
      }),
    );
    await ecs.send(
      new PutAttributesCommand({
        cluster: 'kept',
        attributes: [{ name: 'rack', value: 'r1', targetId: containerInstance!.containerInstanceArn }],
      }),
    );
    await ecs.send(
      new UpdateContainerInstancesStateCommand({ cluster: 'kept', containerInstances: [local!], status: 'DRAINING' }),
    );
    await first.close();

    const second = await start();
    try {
      const again = second.client('320000000001');
      const providers = await again.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['kept-asg'] }));
      expect(providers.capacityProviders).toMatchObject([{ name: 'kept-asg', status: 'ACTIVE' }]);
      const listed = await again.send(new ListContainerInstancesCommand({ cluster: 'kept' }));
      expect(listed.containerInstanceArns).toEqual([local, containerInstance!.containerInstanceArn]);
      const described = await again.send(
        new DescribeContainerInstancesCommand({
          cluster: 'kept',
          containerInstances: [local!, containerInstance!.containerInstanceArn!],
        }),
      );
      expect(described.containerInstances?.map((i) => [i.status, i.ec2InstanceId])).toEqual([
        ['DRAINING', undefined],
        ['ACTIVE', 'i-00000000000000001'],
      ]);
      const racks = await again.send(
        new ListAttributesCommand({ cluster: 'kept', targetType: 'container-instance', attributeName: 'rack' }),
      );
      expect(racks.attributes?.map((a) => a.value)).toEqual(['r1']);
    } finally {
      await second.close();
    }
  });
});
