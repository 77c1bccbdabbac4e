import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  ListAccountSettingsCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  PutAccountSettingCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { ControlPlane } from './ecs-test-client';

describe('ECS control-plane state across a gateway restart (PERSISTENCE=1)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-ecs-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const start = () => ControlPlane.start({ PERSISTENCE: '1', DATA_DIR: dataDir });

  it('keeps clusters, task definitions, tags and settings, per account, and continues revision numbering', async () => {
    const first = await start();
    const ecs = first.client();
    const other = first.client('500000000001', 'eu-west-1');
    await ecs.send(new CreateClusterCommand({ clusterName: 'kept', tags: [{ key: 'a', value: '1' }] }));
    await other.send(new CreateClusterCommand({ clusterName: 'theirs' }));
    for (let i = 0; i < 3; i += 1) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'svc',
          containerDefinitions: [{ name: 'c', image: 'x', memory: 64 }],
        }),
      );
    }
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'svc:3' }));
    const registered = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'svc:2' }));
    await ecs.send(
      new TagResourceCommand({
        resourceArn: registered.taskDefinition!.taskDefinitionArn!,
        tags: [{ key: 'v', value: '2' }],
      }),
    );
    await ecs.send(new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'enabled' }));
    await first.close();
    expect(fs.readdirSync(path.join(dataDir, 'ecs')).length).toBeGreaterThan(0);

    const second = await start();
    try {
      const again = second.client();
      const clusters = await again.send(
        new DescribeClustersCommand({ clusters: ['kept', 'theirs'], include: ['TAGS'] }),
      );
      expect(clusters.clusters).toMatchObject([
        { clusterName: 'kept', status: 'ACTIVE', tags: [{ key: 'a', value: '1' }] },
      ]);
      expect(clusters.failures).toMatchObject([{ reason: 'MISSING' }]);
      const theirs = await second
        .client('500000000001', 'eu-west-1')
        .send(new DescribeClustersCommand({ clusters: ['theirs'] }));
      expect(theirs.clusters).toMatchObject([{ clusterArn: 'arn:aws:ecs:eu-west-1:500000000001:cluster/theirs' }]);

      const described = await again.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: 'svc:2', include: ['TAGS'] }),
      );
      expect(described.taskDefinition).toEqual(registered.taskDefinition);
      expect(described.taskDefinition!.registeredAt).toBeInstanceOf(Date);
      expect(described.tags).toEqual([{ key: 'v', value: '2' }]);
      expect(
        (await again.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'svc' }))).taskDefinition!.revision,
      ).toBe(2);
      expect(
        (await again.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'svc:3' }))).taskDefinition!.status,
      ).toBe('INACTIVE');
      const next = await again.send(
        new RegisterTaskDefinitionCommand({
          family: 'svc',
          containerDefinitions: [{ name: 'c', image: 'x', memory: 64 }],
        }),
      );
      expect(next.taskDefinition!.revision).toBe(4);
      expect(
        (await again.send(new ListTaskDefinitionsCommand({ familyPrefix: 'svc' }))).taskDefinitionArns,
      ).toHaveLength(3);
      expect(
        (
          await again.send(
            new ListTagsForResourceCommand({ resourceArn: registered.taskDefinition!.taskDefinitionArn! }),
          )
        ).tags,
      ).toEqual([{ key: 'v', value: '2' }]);
      const settings = await again.send(new ListAccountSettingsCommand({ name: 'awsvpcTrunking' }));
      expect(settings.settings).toMatchObject([{ name: 'awsvpcTrunking', value: 'enabled' }]);
    } finally {
      await second.close();
    }
  });

  it('keeps nothing without PERSISTENCE', async () => {
    const first = await ControlPlane.start({ DATA_DIR: dataDir + '-unused' });
    await first.client().send(new CreateClusterCommand({ clusterName: 'ephemeral' }));
    await first.close();
    const second = await ControlPlane.start({ DATA_DIR: dataDir + '-unused' });
    const result = await second.client().send(new DescribeClustersCommand({ clusters: ['ephemeral'] }));
    expect(result.failures).toMatchObject([{ reason: 'MISSING' }]);
    await second.close();
    expect(fs.existsSync(dataDir + '-unused')).toBe(false);
  });
});
