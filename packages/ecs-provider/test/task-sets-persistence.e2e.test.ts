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
} from '@aws-sdk/client-ecs';
import { ControlPlane } from './ecs-test-client';

/** Task sets live on their service's record: a restart with PERSISTENCE=1 keeps them as they were. */
describe('ECS task sets across a gateway restart (PERSISTENCE=1)', () => {
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
});
