import type { Task } from '@aws-sdk/client-ecs';
import { createService, updateService } from './services';
import { registerTaskDefinition } from './task-definitions';
import { getTaskProtection, updateTaskProtection } from './task-protection';
import { InMemoryEcs, container } from '../testing/in-memory-ecs';

const wanted = (tasks: Task[]) => tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED');

/** Task protection in the scheduler, pass by pass on the in-memory backend with jest's fake clock. */
describe('task scale-in protection in the scheduler', () => {
  let bed: InMemoryEcs;
  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    bed = await new InMemoryEcs().start();
  });
  afterEach(async () => {
    let closed = false;
    const closing = bed.close().finally(() => (closed = true));
    while (!closed) {
      jest.advanceTimersByTime(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closing;
    jest.useRealTimers();
  });

  test('a protected task survives a scale-in until the minute its protection expires, then goes', async () => {
    registerTaskDefinition({ family: 'guard', containerDefinitions: [container()] }, bed.ecs);
    createService({ serviceName: 'guard', taskDefinition: 'guard', desiredCount: 2 }, bed.ecs);
    await bed.pass();
    await bed.pass();
    const [first, second] = wanted(bed.tasksOf('guard'));
    expect(second?.lastStatus).toBe('RUNNING');

    const protectedAt = Date.now();
    const { protectedTasks } = updateTaskProtection(
      { cluster: 'default', tasks: [second!.taskArn!], protectionEnabled: true, expiresInMinutes: 1 },
      bed.ecs,
    );
    expect(protectedTasks).toEqual([
      { taskArn: second!.taskArn, protectionEnabled: true, expirationDate: new Date(protectedAt + 60_000) },
    ]);

    updateService({ service: 'guard', desiredCount: 0 }, bed.ecs);
    await bed.pass();
    await bed.settle();
    expect(bed.describe([first!.taskArn!])[0]).toMatchObject({ lastStatus: 'STOPPED' });
    expect(wanted(bed.tasksOf('guard')).map((t) => t.taskArn)).toEqual([second!.taskArn]);

    jest.advanceTimersByTime(59_999);
    await bed.pass();
    expect(wanted(bed.tasksOf('guard')).map((t) => t.taskArn)).toEqual([second!.taskArn]);

    jest.advanceTimersByTime(1);
    expect(getTaskProtection({ cluster: 'default', tasks: [second!.taskArn!] }, bed.ecs).protectedTasks).toEqual([
      { taskArn: second!.taskArn, protectionEnabled: false },
    ]);
    await bed.pass();
    await bed.settle();
    expect(bed.describe([second!.taskArn!])[0]).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
    });
  });
});
