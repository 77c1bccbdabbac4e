import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteCapacityProviderCommand,
  DeleteClusterCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  ListTasksCommand,
  ListTagsForResourceCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateCapacityProviderCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { ControlPlane, errorOf } from './ecs-test-client';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  shellContainer,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
} from './support';

const ACCOUNT = '310000000001';
const arn = (name: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/${name}`;
const asg = (name: string) =>
  `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:1f6b6a5c-0000-4000-8000-000000000000:autoScalingGroupName/${name}`;

/** What Terraform's aws_ecs_capacity_provider reads back after each step (findCapacityProviderByARN). */
async function read(ecs: ECSClient, providerArn: string) {
  const { capacityProviders, failures } = await ecs.send(
    new DescribeCapacityProvidersCommand({ capacityProviders: [providerArn], include: ['TAGS'] }),
  );
  return { provider: capacityProviders?.[0], failures };
}

describe('capacity providers through the AWS SDK', () => {
  let cp: ControlPlane;
  let ecs: ECSClient;

  beforeAll(async () => {
    cp = await ControlPlane.start();
    ecs = cp.client(ACCOUNT);
  });
  afterAll(async () => cp.close());

  it('goes through the Terraform life cycle: create, update, delete refused while associated, delete', async () => {
    const created = await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'tf-asg',
        autoScalingGroupProvider: {
          autoScalingGroupArn: asg('tf'),
          managedScaling: { status: 'ENABLED', targetCapacity: 80 },
          managedTerminationProtection: 'DISABLED',
        },
        tags: [{ key: 'env', value: 'dev' }],
      }),
    );
    expect(created.capacityProvider).toEqual({
      capacityProviderArn: arn('tf-asg'),
      name: 'tf-asg',
      status: 'ACTIVE',
      type: 'EC2_AUTOSCALING',
      updateStatus: 'CREATE_COMPLETE',
      autoScalingGroupProvider: {
        autoScalingGroupArn: asg('tf'),
        managedScaling: {
          status: 'ENABLED',
          targetCapacity: 80,
          minimumScalingStepSize: 1,
          maximumScalingStepSize: 10000,
          instanceWarmupPeriod: 300,
        },
        managedTerminationProtection: 'DISABLED',
        managedDraining: 'ENABLED',
      },
      tags: [{ key: 'env', value: 'dev' }],
    });
    expect((await read(ecs, arn('tf-asg'))).provider?.tags).toEqual([{ key: 'env', value: 'dev' }]);
    const tags = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn('tf-asg') }));
    expect(tags.tags).toEqual([{ key: 'env', value: 'dev' }]);

    // Terraform waits for updateStatus UPDATE_COMPLETE after UpdateCapacityProvider.
    const updated = await ecs.send(
      new UpdateCapacityProviderCommand({
        name: 'tf-asg',
        autoScalingGroupProvider: { managedScaling: { targetCapacity: 60 }, managedDraining: 'DISABLED' },
      }),
    );
    expect(updated.capacityProvider).toMatchObject({
      updateStatus: 'UPDATE_COMPLETE',
      autoScalingGroupProvider: {
        autoScalingGroupArn: asg('tf'),
        managedScaling: { status: 'ENABLED', targetCapacity: 60, maximumScalingStepSize: 10000 },
        managedDraining: 'DISABLED',
      },
    });
    expect((await read(ecs, arn('tf-asg'))).provider?.updateStatus).toBe('UPDATE_COMPLETE');

    // Associated with a cluster: the delete answers DELETE_FAILED with the reason, and it stays ACTIVE.
    await ecs.send(
      new CreateClusterCommand({
        clusterName: 'cp-a',
        capacityProviders: ['tf-asg'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'tf-asg', weight: 1 }],
      }),
    );
    const refused = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: arn('tf-asg') }));
    expect(refused.capacityProvider).toMatchObject({
      status: 'ACTIVE',
      updateStatus: 'DELETE_FAILED',
      updateStatusReason:
        'The capacity provider cannot be deleted because it is associated with cluster: cp-a. Remove the capacity provider from the cluster and try again.',
    });
    expect((await read(ecs, arn('tf-asg'))).provider?.status).toBe('ACTIVE');

    await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'cp-a',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    const deleted = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: arn('tf-asg') }));
    expect(deleted.capacityProvider).toMatchObject({ status: 'INACTIVE', updateStatus: 'DELETE_COMPLETE' });
    // Terraform's delete waiter: INACTIVE is gone.
    expect((await read(ecs, arn('tf-asg'))).provider?.status).toBe('INACTIVE');
    const listed = await ecs.send(new DescribeCapacityProvidersCommand({}));
    expect(listed.capacityProviders?.map((p) => p.name)).toEqual(['FARGATE', 'FARGATE_SPOT']);

    // Deleting again is the error Terraform treats as "already gone".
    const again = await errorOf(ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: arn('tf-asg') })));
    expect(again.name).toBe('ClientException');
    expect(again.message).toContain('capacity provider does not exist');
    expect(again.message).toBe(
      'The specified capacity provider does not exist. Specify a valid name or ARN and try again.',
    );
    const unknownUpdate = await errorOf(
      ecs.send(new UpdateCapacityProviderCommand({ name: 'never', autoScalingGroupProvider: {} })),
    );
    expect(unknownUpdate.name).toBe('ClientException');
    expect(unknownUpdate.message).toContain('capacity provider does not exist');

    // The name is free again once INACTIVE.
    const recreated = await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'tf-asg',
        autoScalingGroupProvider: { autoScalingGroupArn: asg('tf') },
      }),
    );
    expect(recreated.capacityProvider).toMatchObject({
      status: 'ACTIVE',
      autoScalingGroupProvider: { managedScaling: { status: 'DISABLED' }, managedTerminationProtection: 'DISABLED' },
    });
  });

  it("refuses what ECS refuses: reserved names and prefixes, duplicates, a shared Auto Scaling group, the built-ins' deletion", async () => {
    const create = (name: string, group = asg(name)) =>
      ecs.send(new CreateCapacityProviderCommand({ name, autoScalingGroupProvider: { autoScalingGroupArn: group } }));
    for (const name of ['FARGATE', 'fargate-x', 'ECSmine', 'aws_x', 'has space', 'x'.repeat(256)]) {
      const error = await errorOf(create(name));
      expect([name, error.name]).toEqual([name, 'ClientException']);
    }
    await create('dup');
    const duplicate = await errorOf(create('dup'));
    expect(duplicate).toMatchObject({
      name: 'ClientException',
      message:
        'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
    });
    const sharedGroup = await errorOf(create('other', asg('dup')));
    expect(sharedGroup.message).toBe(
      'The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again.',
    );
    const noGroup = await errorOf(ecs.send(new CreateCapacityProviderCommand({ name: 'nogroup' })));
    expect(noGroup.name).toBe('InvalidParameterException');
    const badScaling = await errorOf(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'bad',
          autoScalingGroupProvider: { autoScalingGroupArn: asg('bad'), managedScaling: { targetCapacity: 101 } },
        }),
      ),
    );
    expect(badScaling.name).toBe('InvalidParameterException');
    for (const builtIn of ['FARGATE', 'FARGATE_SPOT']) {
      const error = await errorOf(ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: builtIn })));
      expect(error.name).toBe('ClientException');
    }
    // Another account sees none of it.
    const other = await cp
      .client('310000000002')
      .send(new DescribeCapacityProvidersCommand({ capacityProviders: ['dup'] }));
    expect(other.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:310000000002:capacity-provider/dup', reason: 'MISSING' },
    ]);
  });

  it('associates an account provider with one cluster at a time, in cluster strategies as well', async () => {
    await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'solo',
        autoScalingGroupProvider: { autoScalingGroupArn: asg('solo') },
      }),
    );
    const { cluster } = await ecs.send(
      new CreateClusterCommand({
        clusterName: 'cp-one',
        capacityProviders: ['FARGATE', arn('solo')],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'solo', weight: 2, base: 1 }],
      }),
    );
    expect(cluster).toMatchObject({
      capacityProviders: ['FARGATE', 'solo'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'solo', weight: 2, base: 1 }],
    });
    const second = await errorOf(
      ecs.send(new CreateClusterCommand({ clusterName: 'cp-two', capacityProviders: ['solo'] })),
    );
    expect(second.name).toBe('InvalidParameterException');
    expect(second.message).toContain("already associated with cluster 'cp-one'");
    const unknown = await errorOf(
      ecs.send(new CreateClusterCommand({ clusterName: 'cp-three', capacityProviders: ['nope'] })),
    );
    expect(unknown.message).toBe(
      "The specified capacity provider 'nope' does not exist. Specify a valid capacity provider and try again.",
    );
    // A deleted cluster lets go of its providers.
    await ecs.send(new DeleteClusterCommand({ cluster: 'cp-one' }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'cp-two', capacityProviders: ['solo'] }));
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['cp-two'] }));
    expect(clusters?.[0]?.capacityProviders).toEqual(['solo']);
  });
});

describeWithEngine('capacity provider strategies run tasks on the local engine', () => {
  let bed: EcsTestBed;
  const cluster = 'cp-run';

  beforeAll(async () => {
    bed = await startEcsTestBed({ ECS_SCHEDULER_INTERVAL_MS: '200' });
    await bed.ecs.send(
      new CreateCapacityProviderCommand({
        name: 'local-asg',
        autoScalingGroupProvider: { autoScalingGroupArn: asg('run') },
      }),
    );
    await bed.ecs.send(
      new CreateClusterCommand({
        clusterName: cluster,
        capacityProviders: ['local-asg'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'local-asg', weight: 1 }],
      }),
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'cp-sleep',
        containerDefinitions: [shellContainer('app', 'sleep 3600')],
      }),
    );
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  it("runs RunTask by the cluster's default strategy and by an explicit one, and keeps a used provider", async () => {
    const byDefault = (await bed.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'cp-sleep' }))).tasks![0]!;
    expect(byDefault).toMatchObject({ capacityProviderName: 'local-asg', launchType: 'EC2' });
    const running = await waitForTask(bed.ecs, byDefault.taskArn!, isRunning, { cluster });
    expect(running.containers?.[0]?.runtimeId).toBeTruthy();

    const explicit = await bed.ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: 'cp-sleep',
        capacityProviderStrategy: [{ capacityProvider: 'local-asg' }],
      }),
    );
    expect(explicit.tasks![0]).toMatchObject({ capacityProviderName: 'local-asg' });

    const unassociated = await errorOf(
      bed.ecs.send(
        new RunTaskCommand({
          cluster,
          taskDefinition: 'cp-sleep',
          capacityProviderStrategy: [{ capacityProvider: 'elsewhere' }],
        }),
      ),
    );
    expect(unassociated.name).toBe('InvalidParameterException');
    expect(unassociated.message).toContain('not associated with the cluster');

    // A provider live tasks use cannot be taken off the cluster.
    const inUse = await errorOf(
      bed.ecs.send(
        new PutClusterCapacityProvidersCommand({ cluster, capacityProviders: [], defaultCapacityProviderStrategy: [] }),
      ),
    );
    expect(inUse).toMatchObject({
      name: 'ResourceInUseException',
      message: 'The specified capacity provider is in use and cannot be removed.',
    });
    for (const task of [byDefault, explicit.tasks![0]!]) {
      await bed.ecs.send(new StopTaskCommand({ cluster, task: task.taskArn }));
      await waitForTask(bed.ecs, task.taskArn!, isStopped, { cluster });
    }
  });

  it('runs a service by a capacity provider strategy', async () => {
    const { service } = await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'cp-svc',
        taskDefinition: 'cp-sleep',
        desiredCount: 1,
        capacityProviderStrategy: [{ capacityProvider: 'local-asg', weight: 1 }],
      }),
    );
    expect(service?.capacityProviderStrategy).toEqual([{ capacityProvider: 'local-asg', weight: 1 }]);
    const deadline = Date.now() + 30_000;
    let task;
    while (Date.now() < deadline && !task) {
      const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, serviceName: 'cp-svc' }));
      if (taskArns?.length) task = await waitForTask(bed.ecs, taskArns[0]!, isRunning, { cluster });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(task).toMatchObject({ capacityProviderName: 'local-asg', lastStatus: 'RUNNING', group: 'service:cp-svc' });
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'cp-svc', desiredCount: 0 }));
    await waitForTask(bed.ecs, task!.taskArn!, isStopped, { cluster });
  });
});
