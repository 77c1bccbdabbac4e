import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  UpdateClusterCommand,
  UpdateClusterSettingsCommand,
} from '@aws-sdk/client-ecs';
import { ControlPlane, arnPrefix, errorOf } from './ecs-test-client';
import { resolveCluster } from '../src/handlers/clusters';

describe('ECS clusters through the AWS SDK', () => {
  let cp: ControlPlane;
  const client = (accessKeyId?: string, region?: string) => cp.client(accessKeyId, region);

  beforeAll(async () => {
    cp = await ControlPlane.start();
  });
  afterAll(() => cp.close());

  it('creates a cluster with a long-format ARN and lists it', async () => {
    const ecs = client('100000000001');
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    expect(cluster).toEqual({
      clusterArn: 'arn:aws:ecs:us-east-1:100000000001:cluster/demo',
      clusterName: 'demo',
      status: 'ACTIVE',
      // The local engine is every cluster's one container instance (docs/ecs-provider.md).
      registeredContainerInstancesCount: 1,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      statistics: [],
      tags: [],
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
    });
    const { clusterArns } = await ecs.send(new ListClustersCommand({}));
    expect(clusterArns).toEqual(['arn:aws:ecs:us-east-1:100000000001:cluster/demo']);
  });

  it('creates a cluster with settings, configuration, capacity providers, a default strategy and tags', async () => {
    const ecs = client();
    const { cluster } = await ecs.send(
      new CreateClusterCommand({
        clusterName: 'full',
        settings: [{ name: 'containerInsights', value: 'enhanced' }],
        configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } },
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [
          { capacityProvider: 'FARGATE', weight: 1, base: 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        ],
        tags: [{ key: 'team', value: 'blue' }],
      }),
    );
    expect(cluster).toMatchObject({
      settings: [{ name: 'containerInsights', value: 'enhanced' }],
      configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } },
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
      ],
      tags: [{ key: 'team', value: 'blue' }],
    });
  });

  it('is idempotent for an ACTIVE cluster of the same name', async () => {
    const ecs = client();
    const first = await ecs.send(new CreateClusterCommand({ clusterName: 'twice', tags: [{ key: 'a', value: '1' }] }));
    const second = await ecs.send(new CreateClusterCommand({ clusterName: 'twice' }));
    expect(second.cluster).toEqual(first.cluster);
  });

  it('refuses invalid cluster names and unknown capacity providers', async () => {
    const ecs = client();
    const badName = await errorOf(ecs.send(new CreateClusterCommand({ clusterName: 'bad name!' })));
    expect(badName).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    const badProvider = await errorOf(
      ecs.send(new CreateClusterCommand({ clusterName: 'cp', capacityProviders: ['NOPE'] })),
    );
    expect(badProvider.name).toBe('InvalidParameterException');
    expect(badProvider.message).toContain("'NOPE'");
    const strategy = await errorOf(
      ecs.send(
        new CreateClusterCommand({
          clusterName: 'cp',
          capacityProviders: ['FARGATE'],
          defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        }),
      ),
    );
    expect(strategy.message).toMatch(/not associated with the cluster/);
  });

  it('describes clusters with include TAGS, SETTINGS, STATISTICS, CONFIGURATIONS and reports MISSING ones', async () => {
    const ecs = client('100000000002');
    await ecs.send(
      new CreateClusterCommand({
        clusterName: 'shown',
        tags: [{ key: 'k', value: 'v' }],
        configuration: { executeCommandConfiguration: { logging: 'NONE' } },
      }),
    );
    const plain = await ecs.send(new DescribeClustersCommand({ clusters: ['shown', 'ghost'] }));
    expect(plain.clusters).toHaveLength(1);
    expect(plain.clusters![0]).not.toHaveProperty('settings');
    expect(plain.clusters![0]).not.toHaveProperty('configuration');
    expect(plain.clusters![0]!.tags).toEqual([]);
    expect(plain.clusters![0]!.statistics).toEqual([]);
    expect(plain.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:100000000002:cluster/ghost', reason: 'MISSING' }]);

    const full = await ecs.send(
      new DescribeClustersCommand({
        clusters: ['arn:aws:ecs:us-east-1:100000000002:cluster/shown'],
        include: ['TAGS', 'SETTINGS', 'STATISTICS', 'CONFIGURATIONS'],
      }),
    );
    const cluster = full.clusters![0]!;
    expect(cluster.tags).toEqual([{ key: 'k', value: 'v' }]);
    expect(cluster.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
    expect(cluster.configuration).toEqual({ executeCommandConfiguration: { logging: 'NONE' } });
    expect(cluster.statistics).toEqual(
      expect.arrayContaining([
        { name: 'runningFargateTasksCount', value: '0' },
        { name: 'activeFargateServiceCount', value: '0' },
      ]),
    );
    expect(full.failures).toEqual([]);
  });

  it('describes the default cluster when no cluster is named, and no read creates it', async () => {
    const ecs = client('100000000003');
    const defaultArn = 'arn:aws:ecs:us-east-1:100000000003:cluster/default';
    expect(await ecs.send(new DescribeClustersCommand({}))).toMatchObject({
      clusters: [],
      failures: [{ arn: defaultArn, reason: 'MISSING' }],
    });
    // Every read-only operation whose cluster is optional finds no default cluster, and makes none.
    for (const read of [
      new ListTasksCommand({}),
      new DescribeTasksCommand({ tasks: ['0123456789abcdef0123456789abcdef'] }),
      new ListServicesCommand({}),
      new DescribeServicesCommand({ services: ['web'] }),
    ]) {
      expect(await errorOf(ecs.send(read as never))).toMatchObject({ name: 'ClusterNotFoundException' });
    }
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);

    await ecs.send(new CreateClusterCommand({}));
    const { clusters, failures } = await ecs.send(new DescribeClustersCommand({}));
    expect(failures).toEqual([]);
    expect(clusters!.map((c) => c.clusterArn)).toEqual([defaultArn]);
  });

  it('pages ListClusters with maxResults and nextToken', async () => {
    const ecs = client('100000000004');
    const names = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const clusterName of names) await ecs.send(new CreateClusterCommand({ clusterName }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecs.send(new ListClustersCommand({ maxResults: 3, nextToken }));
      expect(page.clusterArns!.length).toBeLessThanOrEqual(3);
      seen.push(...page.clusterArns!);
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(names.map((n) => `arn:aws:ecs:us-east-1:100000000004:cluster/${n}`));
    const bad = await errorOf(ecs.send(new ListClustersCommand({ nextToken: 'not-a-token' })));
    expect(bad).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    const tooMany = await errorOf(ecs.send(new ListClustersCommand({ maxResults: 101 })));
    expect(tooMany.name).toBe('InvalidParameterException');
  });

  it('updates settings and configuration', async () => {
    const ecs = client();
    await ecs.send(new CreateClusterCommand({ clusterName: 'upd' }));
    const settings = await ecs.send(
      new UpdateClusterSettingsCommand({ cluster: 'upd', settings: [{ name: 'containerInsights', value: 'enabled' }] }),
    );
    expect(settings.cluster!.settings).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
    const updated = await ecs.send(
      new UpdateClusterCommand({
        cluster: `${arnPrefix}:cluster/upd`,
        configuration: {
          executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: 'g' } },
        },
        settings: [{ name: 'containerInsights', value: 'disabled' }],
      }),
    );
    expect(updated.cluster).toMatchObject({
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      configuration: {
        executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: 'g' } },
      },
    });
    const badValue = await errorOf(
      ecs.send(
        new UpdateClusterSettingsCommand({ cluster: 'upd', settings: [{ name: 'containerInsights', value: 'maybe' }] }),
      ),
    );
    expect(badValue.name).toBe('InvalidParameterException');
    const missing = await errorOf(ecs.send(new UpdateClusterCommand({ cluster: 'nope', settings: [] })));
    expect(missing).toMatchObject({
      name: 'ClusterNotFoundException',
      message: 'Cluster not found.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('puts capacity providers and a default strategy on a cluster', async () => {
    const ecs = client();
    await ecs.send(new CreateClusterCommand({ clusterName: 'cap' }));
    const { cluster } = await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'cap',
        capacityProviders: ['FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }],
      }),
    );
    expect(cluster).toMatchObject({
      capacityProviders: ['FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 0 }],
    });
    const cleared = await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'cap',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    expect(cleared.cluster).toMatchObject({ capacityProviders: [], defaultCapacityProviderStrategy: [] });
  });

  it('deletes a cluster: INACTIVE, still describable, no longer listed, recreatable', async () => {
    const ecs = client('100000000005');
    await ecs.send(new CreateClusterCommand({ clusterName: 'gone' }));
    const { cluster } = await ecs.send(new DeleteClusterCommand({ cluster: 'gone' }));
    expect(cluster).toMatchObject({ clusterName: 'gone', status: 'INACTIVE' });
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['gone'] }))).clusters).toMatchObject([
      { clusterName: 'gone', status: 'INACTIVE' },
    ]);
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    const again = await errorOf(ecs.send(new DeleteClusterCommand({ cluster: 'gone' })));
    expect(again.name).toBe('ClusterNotFoundException');
    const never = await errorOf(ecs.send(new DeleteClusterCommand({ cluster: 'never' })));
    expect(never).toMatchObject({ name: 'ClusterNotFoundException', message: 'Cluster not found.' });
    const recreated = await ecs.send(new CreateClusterCommand({ clusterName: 'gone' }));
    expect(recreated.cluster!.status).toBe('ACTIVE');
  });

  it('refuses to delete a cluster with services or tasks, counting them from the store', async () => {
    const ecs = client('100000000006');
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'busy' }));
    const provider = cp.gw.gateway.registry.get('ecs') as unknown as {
      stores: { get(a: string, r: string): import('../src/store/ecs-store').EcsStore };
    };
    const store = provider.stores.get('100000000006', 'us-east-1');
    const clusterArn = cluster!.clusterArn!;
    store.services.put('busy/web', {
      serviceArn: `arn:aws:ecs:us-east-1:100000000006:service/busy/web`,
      clusterArn,
      status: 'ACTIVE',
      launchType: 'FARGATE',
    });
    expect(await errorOf(ecs.send(new DeleteClusterCommand({ cluster: 'busy' })))).toMatchObject({
      name: 'ClusterContainsServicesException',
      message: 'The Cluster cannot be deleted while Services are active.',
      $metadata: { httpStatusCode: 400 },
    });
    store.services.put('busy/web', {
      serviceArn: `arn:aws:ecs:us-east-1:100000000006:service/busy/web`,
      clusterArn,
      status: 'INACTIVE',
    });
    const taskArn = 'arn:aws:ecs:us-east-1:100000000006:task/busy/0123456789abcdef0123456789abcdef';
    store.tasks.put('busy/0123456789abcdef0123456789abcdef', {
      taskArn,
      clusterArn,
      lastStatus: 'RUNNING',
      launchType: 'FARGATE',
      accountId: '100000000006',
      region: 'us-east-1',
    });
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['busy'], include: ['STATISTICS'] }));
    expect(described.clusters![0]).toMatchObject({
      runningTasksCount: 1,
      pendingTasksCount: 0,
      activeServicesCount: 0,
    });
    expect(described.clusters![0]!.statistics).toContainEqual({ name: 'runningFargateTasksCount', value: '1' });
    expect(await errorOf(ecs.send(new DeleteClusterCommand({ cluster: 'busy' })))).toMatchObject({
      name: 'ClusterContainsTasksException',
      message: 'The Cluster cannot be deleted while Tasks are active.',
    });
    store.tasks.delete('busy/0123456789abcdef0123456789abcdef');
    expect((await ecs.send(new DeleteClusterCommand({ cluster: 'busy' }))).cluster!.status).toBe('INACTIVE');
  });

  it('resolves clusters for other handlers, creating default on demand', () => {
    const provider = cp.gw.gateway.registry.get('ecs') as unknown as {
      stores: { get(a: string, r: string): import('../src/store/ecs-store').EcsStore };
    };
    const scope = { accountId: '100000000007', region: 'us-east-1' };
    const ecs = { scope, store: provider.stores.get(scope.accountId, scope.region) };
    expect(() => resolveCluster(ecs, undefined)).toThrow('Cluster not found.');
    expect(resolveCluster(ecs, undefined, { createDefault: true }).clusterArn).toBe(
      'arn:aws:ecs:us-east-1:100000000007:cluster/default',
    );
    expect(resolveCluster(ecs, 'arn:aws:ecs:us-east-1:100000000007:cluster/default').clusterName).toBe('default');
    // Another account's ARN is not found, even if that account has such a cluster.
    expect(() => resolveCluster(ecs, 'arn:aws:ecs:us-east-1:100000000003:cluster/default')).toThrow(
      'Cluster not found.',
    );
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
    const other = await client('222222222222').send(
      new DescribeClustersCommand({ clusters: ['arn:aws:ecs:us-east-1:111111111111:cluster/alpha'] }),
    );
    expect(other.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:111111111111:cluster/alpha', reason: 'MISSING' }]);
  });

  it('keeps regions apart', async () => {
    await client('333333333333', 'eu-west-1').send(new CreateClusterCommand({ clusterName: 'eu' }));
    expect((await client('333333333333', 'eu-west-1').send(new ListClustersCommand({}))).clusterArns).toEqual([
      'arn:aws:ecs:eu-west-1:333333333333:cluster/eu',
    ]);
    expect((await client('333333333333', 'us-west-2').send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('builds ARNs in the partition of the region, and finds resources by them', async () => {
    const china = client('444444444444', 'cn-north-1');
    const { cluster } = await china.send(new CreateClusterCommand({ clusterName: 'cn' }));
    expect(cluster!.clusterArn).toBe('arn:aws-cn:ecs:cn-north-1:444444444444:cluster/cn');
    const described = await china.send(new DescribeClustersCommand({ clusters: [cluster!.clusterArn!] }));
    expect(described.clusters!.map((c) => c.clusterName)).toEqual(['cn']);
    expect(described.failures).toEqual([]);

    const { taskDefinition } = await client('444444444444', 'us-gov-west-1').send(
      new RegisterTaskDefinitionCommand({
        family: 'gov',
        containerDefinitions: [{ name: 'c', image: 'busybox', memory: 64 }],
      }),
    );
    expect(taskDefinition).toMatchObject({
      taskDefinitionArn: 'arn:aws-us-gov:ecs:us-gov-west-1:444444444444:task-definition/gov:1',
      registeredBy: 'arn:aws-us-gov:iam::444444444444:root',
    });
  });
});
