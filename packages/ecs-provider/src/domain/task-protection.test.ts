import { planRollout } from '../scheduler/deployment';
import type { TaskRecord } from '../runtime/task-record';
import { isProtected, newProtection, protectedTaskView, protectionMinutes } from './task-protection';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function task(id: string, startedBy: string, protectedUntil?: number): TaskRecord {
  return {
    accountId: '000000000000',
    region: 'us-east-1',
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${id}`,
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
    startedBy,
    desiredStatus: 'RUNNING',
    lastStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    createdAt: new Date(NOW - Number(id) * 1000),
    protection:
      protectedUntil === undefined ? undefined : { protectionEnabled: true, expirationDate: new Date(protectedUntil) },
  };
}

describe('task protection', () => {
  it('protects until the expiry, not at or after it', () => {
    expect(isProtected({}, NOW)).toBe(false);
    expect(isProtected({ protection: { protectionEnabled: false } }, NOW)).toBe(false);
    expect(isProtected({ protection: { protectionEnabled: true, expirationDate: new Date(NOW + 1) } }, NOW)).toBe(true);
    expect(isProtected({ protection: { protectionEnabled: true, expirationDate: new Date(NOW) } }, NOW)).toBe(false);
  });

  it('expires after 120 minutes by default, 1 to 2880 minutes when given', () => {
    expect(newProtection(true, undefined, NOW).expirationDate).toEqual(new Date(NOW + 120 * 60_000));
    expect(newProtection(true, 2880, NOW).expirationDate).toEqual(new Date(NOW + 2880 * 60_000));
    expect(newProtection(false, 5, NOW)).toEqual({ protectionEnabled: false });
    for (const bad of [0, 2881, 1.5]) expect(() => protectionMinutes(bad)).toThrow(/from 1 to 2880/);
  });

  it('shows an expired protection as off', () => {
    const arn = 'arn:aws:ecs:us-east-1:000000000000:task/c/1';
    const expired = { taskArn: arn, protection: { protectionEnabled: true, expirationDate: new Date(NOW - 1) } };
    expect(protectedTaskView(expired, NOW)).toEqual({ taskArn: arn, protectionEnabled: false });
  });

  it('keeps the scheduler from stopping protected tasks on scale-in and in deployments', () => {
    const rollout = { minimumHealthyPercent: 0, maximumPercent: 200, primaryId: 'p', startAllowed: true, now: NOW };
    // Scale-in from 3 to 1: the newest unprotected tasks go, never the protected newest one.
    const scaleIn = planRollout({
      ...rollout,
      desiredCount: 1,
      live: [task('1', 'p', NOW + 60_000), task('2', 'p'), task('3', 'p')],
    });
    expect(scaleIn.stop.map((t) => t.taskArn.slice(-1)).sort()).toEqual(['2', '3']);
    // Scale-in to 0 with every task protected: nothing stops, nothing starts.
    const none = planRollout({ ...rollout, desiredCount: 0, live: [task('1', 'p', NOW + 60_000)] });
    expect(none).toEqual({ start: 0, stop: [] });
    // An older deployment's protected task stays until the protection expires.
    const deploying = { ...rollout, desiredCount: 1, live: [task('1', 'old', NOW + 60_000), task('2', 'p')] };
    expect(planRollout(deploying).stop).toEqual([]);
    expect(planRollout({ ...deploying, now: NOW + 60_000 }).stop.map((t) => t.taskArn.slice(-1))).toEqual(['1']);
  });
});
