import { planRollout } from '../scheduler/deployment';
import type { TaskRecord } from '../runtime/task-record';
import { parseClusterQuery } from './cluster-query';
import { engineResources, type ContainerInstanceRecord } from './container-instances';
import { choosePlacement, NO_INSTANCES, type PlacementCandidate } from './placement';

const instance = (id: string, extra: Partial<ContainerInstanceRecord> = {}): ContainerInstanceRecord => ({
  containerInstanceArn: `arn:aws:ecs:us-east-1:000000000000:container-instance/c/${id}`,
  id,
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
  kind: id === 'local' ? 'local' : 'registered',
  status: 'ACTIVE',
  attributes: [],
  registeredAt: new Date(0),
  version: 1,
  ...extra,
});

const candidate = (record: ContainerInstanceRecord, running = 0, memoryMiB = 1024): PlacementCandidate => ({
  record,
  facts: {
    attributes: new Map([['zone', record.id]]),
    agentConnected: true,
    runningTasksCount: running,
    taskGroups: [],
  },
  remaining: engineResources({
    cpus: 1,
    memoryBytes: memoryMiB * 1024 ** 2,
    serverVersion: '',
    architecture: '',
    os: '',
  }),
});

const request = { constraints: [], reservation: { cpu: 0, memory: 512 }, chosen: [], checkResources: false };

describe('placement', () => {
  it('spreads to the instance with fewest tasks, the local one first on a tie, never a draining one', () => {
    const local = candidate(instance('local'), 1);
    const other = candidate(instance('other'), 0);
    expect(choosePlacement([local, other], request)).toEqual({
      containerInstanceArn: other.record.containerInstanceArn,
    });
    expect(choosePlacement([candidate(instance('local')), other], request)).toEqual({
      containerInstanceArn: instance('local').containerInstanceArn,
    });
    const draining = candidate(instance('other', { status: 'DRAINING' }));
    expect(choosePlacement([draining], request)).toEqual({ failures: [{ reason: NO_INSTANCES }] });
  });

  it('checks CPU and memory only when asked to (strict mode)', () => {
    const small = candidate(instance('local'), 0, 256);
    expect('containerInstanceArn' in choosePlacement([small], request)).toBe(true);
    expect(choosePlacement([small], { ...request, checkResources: true })).toEqual({
      failures: [{ arn: small.record.containerInstanceArn, reason: 'RESOURCE:MEMORY' }],
    });
  });

  it('evaluates memberOf against instance attributes', () => {
    expect(parseClusterQuery('attribute:zone == other')(candidate(instance('other')).facts)).toBe(true);
    const result = choosePlacement([candidate(instance('local')), candidate(instance('other'))], {
      ...request,
      constraints: [{ type: 'memberOf', expression: 'attribute:zone == other' }],
    });
    expect(result).toEqual({ containerInstanceArn: instance('other').containerInstanceArn });
  });

  it('replaces service tasks on a draining instance like an older deployment, within the healthy minimum', () => {
    const task = (id: string, draining: boolean): TaskRecord => ({
      accountId: '000000000000',
      region: 'us-east-1',
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${id}`,
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
      startedBy: 'p',
      desiredStatus: 'RUNNING',
      lastStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: new Date(Number(id)),
      containerInstanceDraining: draining || undefined,
    });
    const rollout = {
      desiredCount: 2,
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      primaryId: 'p',
      startAllowed: true,
    };
    // Two tasks on a draining instance: start two replacements first, stop nothing yet.
    expect(planRollout({ ...rollout, live: [task('1', true), task('2', true)] })).toEqual({ start: 2, stop: [] });
    // Replacements running: the draining ones go.
    const step = planRollout({
      ...rollout,
      live: [task('1', true), task('2', true), task('3', false), task('4', false)],
    });
    expect(step.start).toBe(0);
    expect(step.stop.map((t) => t.taskArn.slice(-1))).toEqual(['1', '2']);
  });
});
