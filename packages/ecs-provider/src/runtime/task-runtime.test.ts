import type { ContainerDefinition, NetworkMode, Task } from '@aws-sdk/client-ecs';
import { registerTaskDefinition } from '../handlers/task-definitions';
import { runTask, stopTask } from '../handlers/tasks';
import type { TaskRecord } from './task-record';
import { InMemoryEcs, container } from '../testing/in-memory-ecs';

/** TaskRuntime and TaskSupervisor on the in-memory backend: container order and how a task ends. */
describe('TaskRuntime', () => {
  let bed: InMemoryEcs;
  beforeEach(async () => {
    bed = await new InMemoryEcs().start();
  });
  afterEach(() => bed.close());

  async function run(containerDefinitions: ContainerDefinition[], networkMode?: NetworkMode): Promise<string> {
    registerTaskDefinition({ family: 'job', containerDefinitions, networkMode }, bed.ecs);
    const { tasks } = await runTask({ taskDefinition: 'job' }, bed.ecs);
    return tasks![0]!.taskArn!;
  }
  const task = (arn: string): Task => bed.describe([arn])[0]!;
  const status = (arn: string, name: string) => task(arn).containers!.find((c) => c.name === name)!.lastStatus;
  const started = (arn: string) =>
    task(arn)
      .containers!.filter((c) => c.lastStatus === 'RUNNING')
      .map((c) => c.name)
      .sort();

  test('starts containers in dependsOn order: START, COMPLETE, SUCCESS and HEALTHY each wait for their event', async () => {
    const arn = await run([
      container({ name: 'init', essential: false }),
      container({
        name: 'db',
        healthCheck: { command: ['CMD-SHELL', 'true'] },
      }),
      container({ name: 'migrate', essential: false, dependsOn: [{ containerName: 'init', condition: 'COMPLETE' }] }),
      container({
        name: 'app',
        dependsOn: [
          { containerName: 'init', condition: 'SUCCESS' },
          { containerName: 'db', condition: 'HEALTHY' },
        ],
      }),
      container({ name: 'proxy', dependsOn: [{ containerName: 'app', condition: 'START' }] }),
    ]);
    await bed.until('init and db started', () => started(arn).length === 2);
    expect(started(arn)).toEqual(['db', 'init']);
    expect(task(arn).lastStatus).toBe('ACTIVATING');

    // The first process exit satisfies COMPLETE and SUCCESS, but app still waits for db's health.
    bed.backend.exit(bed.runtimeId(task(arn), 'init'), 0);
    await bed.until('migrate started', () => status(arn, 'migrate') === 'RUNNING');
    expect(status(arn, 'app')).toBe('PENDING');
    expect(status(arn, 'proxy')).toBe('PENDING');

    bed.backend.setHealth(bed.runtimeId(task(arn), 'db'), 'healthy');
    await bed.settle();
    expect(started(arn)).toEqual(['app', 'db', 'migrate', 'proxy']);
    expect(task(arn)).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', healthStatus: 'HEALTHY' });
  });

  test("the engine's start event after the launch recorded the start stores nothing: a task's version counts changes", async () => {
    const arn = await run([container({ name: 'app' })]);
    await bed.settle();
    const ref = { accountId: bed.ecs.scope.accountId, region: bed.ecs.scope.region, taskArn: arn };
    const version = task(arn).version;
    expect(task(arn).lastStatus).toBe('RUNNING');
    bed.runtime.containerStarted(ref, 'app');
    expect(task(arn).version).toBe(version);
    // A change still counts.
    bed.runtime.containerHealth(ref, 'app', 'healthy');
    expect(task(arn).version).toBe(version! + 1);
  });

  test('a SUCCESS dependency that exits non-zero fails the task before its dependent starts', async () => {
    const arn = await run([
      container({ name: 'init', essential: false }),
      container({ name: 'app', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] }),
    ]);
    await bed.until('init started', () => status(arn, 'init') === 'RUNNING');
    bed.backend.exit(bed.runtimeId(task(arn), 'init'), 3);
    await bed.settle();
    expect(task(arn)).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason:
        'DependencyError: container app depends on init with condition SUCCESS, but init exited with code 3',
    });
    expect(task(arn).containers!.find((c) => c.name === 'app')!.exitCode).toBeUndefined();
  });

  test('an essential container that exits stops the task, naming an OOM kill; a non-essential one does not', async () => {
    const arn = await run([container({ name: 'app' }), container({ name: 'side', essential: false })]);
    await bed.settle();
    expect(task(arn).lastStatus).toBe('RUNNING');

    bed.backend.exit(bed.runtimeId(task(arn), 'side'), 0);
    await bed.settle();
    expect(task(arn)).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    expect(status(arn, 'side')).toBe('STOPPED');

    // The kernel's OOM killer: the engine reports `oom`, then `die` with 137.
    bed.backend.exit(bed.runtimeId(task(arn), 'app'), 137, { oomKilled: true });
    await bed.settle();
    const stopped = task(arn);
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(stopped.containers!.map((c) => [c.name, c.lastStatus, c.exitCode, c.reason])).toEqual([
      ['app', 'STOPPED', 137, 'OutOfMemoryError: Container killed due to memory usage'],
      ['side', 'STOPPED', 0, undefined],
    ]);
    // The task's containers are removed once it stopped (ECS_REMOVE_CONTAINERS defaults on).
    expect(await bed.backend.listContainers({ all: true })).toEqual([]);
  });

  test('an awsvpc task runs in its network holder, started before and stopped after its containers', async () => {
    const arn = await run(
      [
        container({ name: 'app', portMappings: [{ containerPort: 80 }] }),
        container({ name: 'side', essential: false }),
      ],
      'awsvpc',
    );
    await bed.settle();
    const running = task(arn);
    expect(running.lastStatus).toBe('RUNNING');
    const holder = (await bed.backend.listContainers({ labels: { 'localcloud.ecs.role': 'network-holder' } }))[0]!;
    const holderIp = (await bed.backend.inspectContainer(holder.id)).networks[0]!.ipAddress;
    // Both containers joined the holder's namespace: the task has the holder's one address.
    for (const name of ['app', 'side']) {
      const info = await bed.backend.inspectContainer(bed.runtimeId(running, name));
      expect(info.networkMode).toBe(`container:${holder.name}`);
    }
    expect(running.attachments![0]!.details).toContainEqual({ name: 'privateIPv4Address', value: holderIp });
    expect(running.containers!.find((c) => c.name === 'app')!.networkBindings).toMatchObject([
      { containerPort: 80, hostPort: 80 },
    ]);

    const events: string[] = [];
    await bed.backend.events(
      {},
      { onEvent: (e) => e.action === 'die' && events.push(e.labels['localcloud.ecs.role']!) },
    );
    bed.backend.exit(bed.runtimeId(running, 'app'), 0);
    await bed.settle();
    expect(task(arn).lastStatus).toBe('STOPPED');
    expect(events).toEqual(['container', 'container', 'network-holder']);
    expect(await bed.backend.listContainers({ all: true })).toEqual([]);
  });

  test('a bridge task with no ports reaches RUNNING without inspecting its containers; one with ports reads its bindings', async () => {
    const inspected: string[] = [];
    const inspect = bed.backend.inspectContainer.bind(bed.backend);
    bed.backend.inspectContainer = (id: string) => {
      inspected.push(id);
      return inspect(id);
    };
    const quiet = await run([container({ name: 'app' })], 'bridge');
    await bed.settle();
    expect(task(quiet)).toMatchObject({ lastStatus: 'RUNNING', containers: [{ name: 'app', networkBindings: [] }] });
    expect(inspected).toEqual([]);

    const served = await run(
      [container({ name: 'web', portMappings: [{ containerPort: 80, hostPort: 8080 }] })],
      'bridge',
    );
    await bed.settle();
    expect(task(served).containers![0]!.networkBindings).toMatchObject([{ containerPort: 80, hostPort: 8080 }]);
    expect(inspected).toEqual([bed.runtimeId(task(served), 'web')]);
  });

  test("a StopTask stores each state a reader can see once: the engine's exit and the stop's own look store one change", async () => {
    const arn = await run([container({ name: 'web' }), container({ name: 'side', essential: false })]);
    await bed.settle();
    const put = jest.spyOn(bed.ecs.store.tasks, 'put');
    const before = task(arn).version!;
    await stopTask({ task: arn }, bed.ecs);
    await bed.settle();
    const puts = put.mock.calls.map(([, record]) => record as TaskRecord);
    const shape = (r: TaskRecord) =>
      `${r.lastStatus} ${r.containers!.map((c) => `${c.name}:${c.lastStatus}:${c.exitCode}`).join(',')}`;
    expect(puts.map(shape)).toEqual([
      'DEACTIVATING web:RUNNING:undefined,side:RUNNING:undefined',
      'STOPPING web:RUNNING:undefined,side:RUNNING:undefined',
      'STOPPING web:STOPPED:143,side:RUNNING:undefined',
      'STOPPING web:STOPPED:143,side:STOPPED:143',
      'DEPROVISIONING web:STOPPED:143,side:STOPPED:143',
      'STOPPED web:STOPPED:143,side:STOPPED:143',
    ]);
    // Every put is a change: no two in a row alike but for the version, which counts them.
    const { version: _v, ...first } = puts[0]!;
    let previous: object = first;
    for (const record of puts.slice(1)) {
      const { version: _w, ...rest } = record;
      expect(rest).not.toEqual(previous);
      previous = rest;
    }
    expect(puts.map((r) => r.version)).toEqual(puts.map((_, i) => before + 1 + i));
    // A status change leaves the containers and the runtime plan as stored: the store keeps them without a copy.
    expect(puts[1]!.containers).toBe(puts[0]!.containers);
    expect(puts[1]!.runtime).toBe(puts[0]!.runtime);
    expect(Object.isFrozen(puts[1]!.runtime)).toBe(true);
    expect(Object.isFrozen(puts[5]!.containers)).toBe(true);
    expect(Object.isFrozen(puts[4]!.containers)).toBe(false);

    // An exit reported again changes nothing and stores nothing; a different exit code is a change.
    const ref = { accountId: bed.ecs.scope.accountId, region: bed.ecs.scope.region, taskArn: arn };
    const stopped = task(arn).version!;
    bed.runtime.containerExited(ref, 'web', 143);
    bed.runtime.containerExited(ref, 'web', undefined);
    expect(task(arn).version).toBe(stopped);
    bed.runtime.containerExited(ref, 'web', 137);
    expect(task(arn).version).toBe(stopped + 1);
    expect(task(arn).containers!.find((c) => c.name === 'web')!.exitCode).toBe(137);
  });
});
