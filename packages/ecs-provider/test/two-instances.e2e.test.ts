import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { TEST_IMAGE, describeWithEngine } from '@localcloud/docker-backend/testing';
import { isRunning, removePrefixContainers, startEcsTestBed, waitForTask, type EcsTestBed } from './support';

const sleeper = {
  family: 'long',
  containerDefinitions: [{ name: 'app', image: TEST_IMAGE, command: ['sleep', '300'], memory: 64, stopTimeout: 2 }],
};

/** Two gateways on one engine with the same container prefix, as a test run beside a dev stack. */
describeWithEngine('two gateways on one Docker engine, same prefix', () => {
  const prefix = `lc2i${randomBytes(3).toString('hex')}`;
  const docker = new DockerodeBackend();
  const beds: EcsTestBed[] = [];
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-two-'));
  });
  afterEach(async () => {
    for (const bed of beds.splice(0)) await bed.close();
    await removePrefixContainers(docker, prefix);
  });
  afterAll(async () => {
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string> = {}) => {
    const bed = await startEcsTestBed(env, prefix);
    beds.push(bed);
    return bed;
  };
  const runSleeper = async (bed: EcsTestBed): Promise<Task> => {
    await bed.ecs.send(new RegisterTaskDefinitionCommand(sleeper));
    const { tasks } = await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'long' }));
    return waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
  };
  const isUp = async (id: string) => (await docker.inspectContainer(id)).state.running;

  it("a second gateway's start leaves the first one's running task containers alone", async () => {
    const first = await start();
    const task = await runSleeper(first);
    const containerId = task.containers![0]!.runtimeId!;

    // Its start-up sweep of containers with unknown tasks is done when it is ready.
    const second = await start();
    const own = await runSleeper(second);

    expect(await isUp(containerId)).toBe(true);
    expect(await waitForTask(first.ecs, task.taskArn!, isRunning)).toMatchObject({ lastStatus: 'RUNNING' });
    const labels = (id: string) => docker.inspectContainer(id).then((info) => info.labels['localcloud.ecs.instance']);
    expect(await labels(containerId)).not.toBe(await labels(own.containers![0]!.runtimeId!));
  });

  it('a persistent gateway restarted beside another re-adopts and cleans up only its own containers', async () => {
    let persistent = await start({ PERSISTENCE: '1', DATA_DIR: dataDir });
    const kept = await runSleeper(persistent);
    const keptId = kept.containers![0]!.runtimeId!;
    const labels = (await docker.inspectContainer(keptId)).labels;
    const neighbour = await start();
    const theirs = (await runSleeper(neighbour)).containers![0]!.runtimeId!;
    await persistent.close();
    beds.splice(beds.indexOf(persistent), 1);

    // A container of the persistent gateway's whose task it never recorded (a crash between create and record).
    const orphan = await docker.createContainer({
      name: `${prefix}_long_1_app_${'f'.repeat(32)}`,
      image: TEST_IMAGE,
      command: ['sleep', '300'],
      labels: { ...labels, 'localcloud.ecs.task-arn': kept.taskArn!.replace(/[0-9a-f]{32}$/, 'f'.repeat(32)) },
    });
    await docker.startContainer(orphan);

    persistent = await start({ PERSISTENCE: '1', DATA_DIR: dataDir });
    const adopted = await waitForTask(persistent.ecs, kept.taskArn!, isRunning);
    expect(adopted.containers![0]!.runtimeId).toBe(keptId);
    await expect(docker.inspectContainer(orphan)).rejects.toThrow();
    expect(await isUp(theirs)).toBe(true);
  });
});
