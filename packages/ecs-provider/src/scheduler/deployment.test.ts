import type { TaskRecord } from '../runtime/task-record';
import { planRollout, type RolloutInput } from './deployment';

let clock = 0;
function task(deployment: string, lastStatus: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  clock += 1;
  return {
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${deployment}-${clock}`,
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
    accountId: '000000000000',
    region: 'us-east-1',
    startedBy: deployment,
    desiredStatus: 'RUNNING',
    lastStatus,
    healthStatus: 'UNKNOWN',
    createdAt: new Date(clock),
    ...extra,
  };
}

const plan = (input: Partial<RolloutInput> & Pick<RolloutInput, 'live'>) =>
  planRollout({
    desiredCount: 2,
    minimumHealthyPercent: 100,
    maximumPercent: 200,
    primaryId: 'new',
    startAllowed: true,
    ...input,
  });

describe('planRollout', () => {
  it('starts the desired count for a new service', () => {
    expect(plan({ live: [] })).toEqual({ start: 2, stop: [] });
  });

  it('behind a load balancer, stops old tasks only once the new tasks count as healthy (their targets serve)', () => {
    const old = [task('old', 'RUNNING'), task('old', 'RUNNING')];
    const fresh = [task('new', 'RUNNING'), task('new', 'RUNNING')];
    const serving = new Set<TaskRecord>();
    const isHealthy = (t: TaskRecord) => t.startedBy === 'old' || serving.has(t);
    expect(plan({ live: [...old, ...fresh], isHealthy })).toEqual({ start: 0, stop: [] });
    serving.add(fresh[0]!);
    expect(plan({ live: [...old, ...fresh], isHealthy })).toEqual({ start: 0, stop: [old[0]] });
  });

  it('starts nothing while throttled', () => {
    expect(plan({ live: [], startAllowed: false }).start).toBe(0);
  });

  it('with 100/200 starts new tasks first and stops old ones only once the new ones run', () => {
    const old = [task('old', 'RUNNING'), task('old', 'RUNNING')];
    expect(plan({ live: old })).toEqual({ start: 2, stop: [] });
    const starting = [...old, task('new', 'PENDING'), task('new', 'PENDING')];
    expect(plan({ live: starting })).toEqual({ start: 0, stop: [] });
    const running = [...old, task('new', 'RUNNING'), task('new', 'RUNNING')];
    expect(plan({ live: running }).stop).toEqual(old);
  });

  it('with 50/100 stops one old task before starting a new one', () => {
    const old = [task('old', 'RUNNING'), task('old', 'RUNNING')];
    const step = plan({ live: old, minimumHealthyPercent: 50, maximumPercent: 100 });
    expect(step).toEqual({ start: 1, stop: [old[0]] });
  });

  it('never counts an unhealthy or not yet healthy task towards the minimum', () => {
    const checked = {
      runtime: {
        containers: [
          { name: 'a', dockerName: 'x', essential: true, dependsOn: [], stopTimeoutSeconds: 1, hasHealthCheck: true },
        ],
        volumes: [],
      },
    };
    const old = [
      task('old', 'RUNNING', { ...checked, healthStatus: 'HEALTHY' }),
      task('old', 'RUNNING', { ...checked, healthStatus: 'HEALTHY' }),
    ];
    const fresh = [task('new', 'RUNNING', checked), task('new', 'RUNNING', checked)];
    expect(plan({ live: [...old, ...fresh] }).stop).toEqual([]);
  });

  it('scales in pending tasks first, then the newest', () => {
    const a = task('new', 'RUNNING');
    const b = task('new', 'RUNNING');
    const c = task('new', 'PENDING');
    expect(plan({ live: [a, b, c], desiredCount: 1 }).stop).toEqual([c, b]);
  });

  it('stops failed-deployment tasks that never ran at once', () => {
    const stuck = task('old', 'PENDING');
    expect(plan({ live: [stuck, task('new', 'RUNNING'), task('new', 'RUNNING')] }).stop).toEqual([stuck]);
  });
});
