import {
  CreateClusterCommand,
  DeleteAccountSettingCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  ListAccountSettingsCommand,
  ListTagsForResourceCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { ControlPlane, errorOf } from './ecs-test-client';

describe('ECS tags, account settings and capacity providers through the AWS SDK', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await ControlPlane.start();
  });
  afterAll(() => cp.close());

  describe('tags', () => {
    let ecs: ECSClient;
    let clusterArn: string;
    let taskDefinitionArn: string;

    beforeAll(async () => {
      ecs = cp.client('300000000001');
      clusterArn = (
        await ecs.send(new CreateClusterCommand({ clusterName: 'tagged', tags: [{ key: 'a', value: '1' }] }))
      ).cluster!.clusterArn!;
      taskDefinitionArn = (
        await ecs.send(
          new RegisterTaskDefinitionCommand({
            family: 'tagged',
            containerDefinitions: [{ name: 'c', image: 'x', memory: 64 }],
          }),
        )
      ).taskDefinition!.taskDefinitionArn!;
    });

    it('tags, lists and untags a cluster and a task definition', async () => {
      for (const resourceArn of [clusterArn, taskDefinitionArn]) {
        await ecs.send(
          new TagResourceCommand({
            resourceArn,
            tags: [
              { key: 'a', value: '2' },
              { key: 'b', value: '' },
            ],
          }),
        );
        expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([
          { key: 'a', value: '2' },
          { key: 'b', value: '' },
        ]);
        await ecs.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a', 'missing'] }));
        expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([
          { key: 'b', value: '' },
        ]);
      }
      const described = await ecs.send(new DescribeClustersCommand({ clusters: ['tagged'], include: ['TAGS'] }));
      expect(described.clusters![0]!.tags).toEqual([{ key: 'b', value: '' }]);
    });

    it('enforces the AWS limits: 50 tags, key 1-128, value 0-256, aws: reserved', async () => {
      const resourceArn = clusterArn;
      const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
      const tooMany = await errorOf(ecs.send(new TagResourceCommand({ resourceArn, tags: fifty })));
      expect(tooMany).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
      for (const tag of [
        { key: 'x'.repeat(129), value: 'v' },
        { key: '', value: 'v' },
        { key: 'k', value: 'v'.repeat(257) },
        { key: 'aws:owner', value: 'me' },
        { key: 'AWS:owner', value: 'me' },
      ]) {
        const error = await errorOf(ecs.send(new TagResourceCommand({ resourceArn, tags: [tag] })));
        expect(error.name).toBe('InvalidParameterException');
      }
      await ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'x'.repeat(128), value: 'v'.repeat(256) }] }));
    });

    it('answers for resources that do not exist or are not taggable', async () => {
      const missing = await errorOf(
        ecs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecs:us-east-1:300000000001:cluster/none' })),
      );
      expect(missing).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
      const otherAccount = await errorOf(
        ecs.send(new ListTagsForResourceCommand({ resourceArn: clusterArn.replace('300000000001', '300000000002') })),
      );
      expect(otherAccount.name).toBe('ResourceNotFoundException');
      const notTaggable = await errorOf(ecs.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })));
      expect(notTaggable.name).toBe('InvalidParameterException');
      const family = await errorOf(
        ecs.send(
          new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecs:us-east-1:300000000001:task-definition/tagged' }),
        ),
      );
      expect(family.name).toBe('ResourceNotFoundException');
    });
  });

  describe('account settings', () => {
    const root = (account: string) => `arn:aws:iam::${account}:root`;

    it('lists effective settings with ECS defaults, then explicit ones', async () => {
      const ecs = cp.client('300000000003');
      const effective = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true, maxResults: 10 }));
      expect(effective.settings).toHaveLength(10);
      expect(effective.settings![0]).toEqual({
        name: 'awsvpcTrunking',
        value: 'disabled',
        principalArn: root('300000000003'),
        type: 'aws_managed',
      });
      const next = await ecs.send(
        new ListAccountSettingsCommand({ effectiveSettings: true, nextToken: effective.nextToken }),
      );
      expect(next.settings!.map((s) => s.name)).toEqual(['taskLongArnFormat']);
      expect((await ecs.send(new ListAccountSettingsCommand({}))).settings).toEqual([]);
      const one = await ecs.send(
        new ListAccountSettingsCommand({ name: 'containerInsights', effectiveSettings: true }),
      );
      expect(one.settings).toEqual([
        { name: 'containerInsights', value: 'disabled', principalArn: root('300000000003'), type: 'aws_managed' },
      ]);
    });

    it('puts, filters and deletes settings; the account default applies to new clusters', async () => {
      const ecs = cp.client('300000000004');
      const put = await ecs.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'enabled' }));
      expect(put.setting).toEqual({
        name: 'containerInsights',
        value: 'enabled',
        principalArn: root('300000000004'),
        type: 'user',
      });
      const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'insights' }));
      expect(cluster!.settings).toEqual([{ name: 'containerInsights', value: 'enabled' }]);

      const role = 'arn:aws:iam::300000000004:role/dev';
      await ecs.send(new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'enabled', principalArn: role }));
      const forRole = await ecs.send(
        new ListAccountSettingsCommand({ principalArn: role, effectiveSettings: true, value: 'enabled' }),
      );
      expect(forRole.settings!.map((s) => [s.name, s.value, s.principalArn])).toEqual([
        ['awsvpcTrunking', 'enabled', role],
        ['containerInsights', 'enabled', role],
        ['containerInstanceLongArnFormat', 'enabled', role],
        ['serviceLongArnFormat', 'enabled', role],
        ['taskLongArnFormat', 'enabled', role],
      ]);
      expect((await ecs.send(new ListAccountSettingsCommand({ principalArn: role }))).settings).toEqual([
        { name: 'awsvpcTrunking', value: 'enabled', principalArn: role, type: 'user' },
      ]);

      const deleted = await ecs.send(new DeleteAccountSettingCommand({ name: 'awsvpcTrunking', principalArn: role }));
      expect(deleted.setting).toMatchObject({ name: 'awsvpcTrunking', value: 'enabled', principalArn: role });
      expect((await ecs.send(new ListAccountSettingsCommand({ principalArn: role }))).settings).toEqual([]);
      await ecs.send(new DeleteAccountSettingCommand({ name: 'containerInsights' }));
      const back = await ecs.send(
        new ListAccountSettingsCommand({ name: 'containerInsights', effectiveSettings: true }),
      );
      expect(back.settings![0]).toMatchObject({ value: 'disabled', type: 'aws_managed' });
    });

    it('refuses bad values, principals and non-root changes of account-wide settings', async () => {
      const ecs = cp.client('300000000005');
      const badValue = await errorOf(
        ecs.send(new PutAccountSettingCommand({ name: 'taskLongArnFormat', value: 'maybe' })),
      );
      expect(badValue).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
      expect(badValue.message).toContain('enabled, disabled');
      const badName = await errorOf(
        ecs.send(new PutAccountSettingCommand({ name: 'noSuchSetting' as never, value: 'enabled' })),
      );
      expect(badName.name).toBe('InvalidParameterException');
      expect(badName.message).toContain("at 'name'");
      const foreign = await errorOf(
        ecs.send(
          new PutAccountSettingCommand({
            name: 'awsvpcTrunking',
            value: 'enabled',
            principalArn: 'arn:aws:iam::999999999999:root',
          }),
        ),
      );
      expect(foreign.name).toBe('InvalidParameterException');
      const rootOnly = await errorOf(
        ecs.send(
          new PutAccountSettingCommand({
            name: 'fargateTaskRetirementWaitPeriod',
            value: '14',
            principalArn: 'arn:aws:iam::300000000005:user/bob',
          }),
        ),
      );
      expect(rootOnly.name).toBe('InvalidParameterException');
      await ecs.send(new PutAccountSettingCommand({ name: 'fargateTaskRetirementWaitPeriod', value: '14' }));
    });
  });

  describe('capacity providers', () => {
    it('describes FARGATE and FARGATE_SPOT, and reports unknown ones as MISSING', async () => {
      const ecs = cp.client('300000000006');
      const all = await ecs.send(new DescribeCapacityProvidersCommand({}));
      expect(all.capacityProviders).toEqual([
        {
          capacityProviderArn: 'arn:aws:ecs:us-east-1:300000000006:capacity-provider/FARGATE',
          name: 'FARGATE',
          status: 'ACTIVE',
        },
        {
          capacityProviderArn: 'arn:aws:ecs:us-east-1:300000000006:capacity-provider/FARGATE_SPOT',
          name: 'FARGATE_SPOT',
          status: 'ACTIVE',
        },
      ]);
      const some = await ecs.send(
        new DescribeCapacityProvidersCommand({ capacityProviders: ['FARGATE_SPOT', 'mine'], include: ['TAGS'] }),
      );
      expect(some.capacityProviders).toEqual([
        {
          capacityProviderArn: 'arn:aws:ecs:us-east-1:300000000006:capacity-provider/FARGATE_SPOT',
          name: 'FARGATE_SPOT',
          status: 'ACTIVE',
          tags: [],
        },
      ]);
      expect(some.failures).toEqual([
        { arn: 'arn:aws:ecs:us-east-1:300000000006:capacity-provider/mine', reason: 'MISSING' },
      ]);
    });
  });
});
