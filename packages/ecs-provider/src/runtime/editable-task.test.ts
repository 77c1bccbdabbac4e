import { InMemoryStateStore } from '@localcloud/persistence';
import { editableTask, sameMembers } from './editable-task';
import type { TaskRecord } from './task-record';

describe('editableTask', () => {
  const stored = (): TaskRecord => {
    const table = new InMemoryStateStore().table<TaskRecord>('tasks');
    table.put('t', {
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/c/t',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
      accountId: '000000000000',
      region: 'us-east-1',
      lastStatus: 'RUNNING',
      createdAt: new Date(0),
      containers: [{ name: 'web', lastStatus: 'RUNNING', networkBindings: [{ containerPort: 80, hostPort: 8080 }] }],
      attachments: [{ id: 'a', status: 'ATTACHED', details: [{ name: 'subnetId', value: 's' }] }],
      runtime: {
        containers: [
          {
            name: 'web',
            dockerName: 'd',
            essential: true,
            dependsOn: [],
            stopTimeoutSeconds: 30,
            hasHealthCheck: false,
          },
        ],
        volumes: [],
      },
    });
    return table.get('t')!;
  };

  it('lets a change edit the task, its containers, attachments and runtime plan, leaving the stored task as it was', () => {
    const current = stored();
    const next = editableTask(current);
    next.lastStatus = 'STOPPED';
    next.containers![0]!.lastStatus = 'STOPPED';
    next.attachments![0]!.status = 'DELETED';
    next.runtime!.containers[0]!.runtimeId = 'id';
    next.runtime!.networkHolder = { name: 'holder' };
    expect(current.lastStatus).toBe('RUNNING');
    expect(current.containers![0]!.lastStatus).toBe('RUNNING');
    expect(current.attachments![0]!.status).toBe('ATTACHED');
    expect(current.runtime!.containers[0]!.runtimeId).toBeUndefined();
    expect(current.runtime!.networkHolder).toBeUndefined();
  });

  it('shares what lies deeper with the stored task, which stays frozen: editing it throws', () => {
    const current = stored();
    const next = editableTask(current);
    expect(next.containers![0]!.networkBindings).toBe(current.containers![0]!.networkBindings);
    expect(next.attachments![0]!.details).toBe(current.attachments![0]!.details);
    expect(() => next.containers![0]!.networkBindings!.push({ containerPort: 81 })).toThrow(TypeError);
    expect(current.containers![0]!.networkBindings).toEqual([{ containerPort: 80, hostPort: 8080 }]);
  });

  it('copies only the parts a change names: the others stay the stored, frozen objects, so editing them throws', () => {
    const current = stored();
    const next = editableTask(current, {});
    next.lastStatus = 'STOPPING';
    expect(next.containers).toBe(current.containers);
    expect(next.attachments).toBe(current.attachments);
    expect(next.runtime).toBe(current.runtime);
    expect(() => {
      next.containers![0]!.lastStatus = 'STOPPED';
    }).toThrow(TypeError);
    const withContainers = editableTask(current, { containers: true });
    withContainers.containers![0]!.lastStatus = 'STOPPED';
    expect(withContainers.attachments).toBe(current.attachments);
    expect(current.containers![0]!.lastStatus).toBe('RUNNING');
  });
});

describe('sameMembers', () => {
  it('tells a change that changed nothing from one that did', () => {
    const a = { name: 'web', lastStatus: 'STOPPED', exitCode: 0 };
    expect(sameMembers(a, { ...a })).toBe(true);
    expect(sameMembers(a, { ...a, exitCode: 1 })).toBe(false);
    expect(sameMembers(a, { ...a, reason: undefined })).toBe(false);
    expect(sameMembers({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(sameMembers({ n: NaN }, { n: NaN })).toBe(true);
    expect(sameMembers({ n: [] }, { n: [] })).toBe(false);
  });
});
