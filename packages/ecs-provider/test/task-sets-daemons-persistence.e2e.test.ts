import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeTaskSetsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServicePrimaryTaskSetCommand,
  RegisterDaemonTaskDefinitionCommand,
  DeleteDaemonTaskDefinitionCommand,
  ListDaemonTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { ControlPlane } from './ecs-test-client';

/** Task sets (on their service's record) and daemon task definitions survive a restart with PERSISTENCE=1. */
describe('ECS task sets and daemon task definitions across a gateway restart (PERSISTENCE=1)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-ecs-sets-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const start = () => ControlPlane.start({ PERSISTENCE: '1', DATA_DIR: dataDir });

  it('keeps task sets, their scale, status and tags', async () => {
    const first = await start();
    const ecs = first.client();
    await ecs.send(new CreateClusterCommand({ clusterName: 'kept' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'f', containerDefinitions: [{ name: 'c', image: 'x', memory: 64 }] }),
    );
    // desiredCount 0: nothing to run, so the control plane alone is enough.
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'kept',
        serviceName: 's',
        desiredCount: 0,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const { taskSet } = await ecs.send(
      new CreateTaskSetCommand({
        cluster: 'kept',
        service: 's',
        taskDefinition: 'f',
        scale: { value: 40, unit: 'PERCENT' },
        tags: [{ key: 'k', value: 'v' }],
      }),
    );
    await ecs.send(
      new UpdateServicePrimaryTaskSetCommand({ cluster: 'kept', service: 's', primaryTaskSet: taskSet!.id! }),
    );
    await first.close();

    const second = await start();
    try {
      const { taskSets } = await second
        .client()
        .send(new DescribeTaskSetsCommand({ cluster: 'kept', service: 's', include: ['TAGS'] }));
      expect(taskSets).toEqual([
        expect.objectContaining({
          id: taskSet!.id,
          taskSetArn: taskSet!.taskSetArn,
          status: 'PRIMARY',
          scale: { value: 40, unit: 'PERCENT' },
          tags: [{ key: 'k', value: 'v' }],
          createdAt: taskSet!.createdAt,
        }),
      ]);
    } finally {
      await second.close();
    }
  });

  it('keeps daemon task definitions, their statuses, and continues their numbering', async () => {
    const first = await start();
    const ecs = first.client();
    const register = () =>
      ecs.send(
        new RegisterDaemonTaskDefinitionCommand({
          family: 'kept-agent',
          containerDefinitions: [{ name: 'a', image: 'x', memory: 16 }],
        }),
      );
    await register();
    const second = (await register()).daemonTaskDefinitionArn!;
    await ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: second }));
    await first.close();

    const restarted = await start();
    try {
      const again = restarted.client();
      const third = await again.send(
        new RegisterDaemonTaskDefinitionCommand({
          family: 'kept-agent',
          containerDefinitions: [{ name: 'a', image: 'x', memory: 16 }],
        }),
      );
      expect(third.daemonTaskDefinitionArn).toMatch(/daemon-task-definition\/kept-agent:3$/);
      const { daemonTaskDefinitions } = await again.send(
        new ListDaemonTaskDefinitionsCommand({ family: 'kept-agent', status: 'ALL' }),
      );
      expect(daemonTaskDefinitions!.map((d) => [d.arn!.split(':').pop(), d.status])).toEqual([
        ['1', 'ACTIVE'],
        ['2', 'DELETED'],
        ['3', 'ACTIVE'],
      ]);
    } finally {
      await restarted.close();
    }
  });
});
