import type { Deployment, DeploymentRolloutState } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';
import { deploymentsWithTasks, listedDeployments, onlyPrimaryHasTasks } from './deployment-list';

const task = (startedBy: string, desiredStatus: string, lastStatus: string) =>
  ({
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${startedBy}`,
    startedBy,
    desiredStatus,
    lastStatus,
  }) as TaskRecord;
const deployment = (id: string, rolloutState: DeploymentRolloutState, status = 'ACTIVE'): Deployment => ({
  id,
  status,
  rolloutState,
});

describe('the deployments a service lists', () => {
  it('keeps an older deployment while a task told to stop is still up, and drops it once STOPPED', () => {
    const deployments = [deployment('new', 'IN_PROGRESS', 'PRIMARY'), deployment('old', 'COMPLETED')];
    const stopping = deploymentsWithTasks([task('new', 'RUNNING', 'RUNNING'), task('old', 'STOPPED', 'STOPPING')]);
    expect(listedDeployments(deployments, stopping).map((d) => d.id)).toEqual(['new', 'old']);
    expect(onlyPrimaryHasTasks(deployments, stopping)).toBe(false);

    const stopped = deploymentsWithTasks([task('new', 'RUNNING', 'RUNNING'), task('old', 'STOPPED', 'STOPPED')]);
    expect(listedDeployments(deployments, stopped).map((d) => d.id)).toEqual(['new']);
    expect(onlyPrimaryHasTasks(deployments, stopped)).toBe(true);
  });

  it('keeps a FAILED deployment without tasks while its rollback is in progress, and drops it once that completed', () => {
    const failed = deployment('bad', 'FAILED');
    const withTasks = deploymentsWithTasks([task('bad', 'STOPPED', 'STOPPED')]);
    const rolling = [deployment('rollback', 'IN_PROGRESS', 'PRIMARY'), failed];
    expect(listedDeployments(rolling, withTasks).map((d) => d.id)).toEqual(['rollback', 'bad']);
    // An idle FAILED deployment does not hold the rollback back from completing.
    expect(onlyPrimaryHasTasks(rolling, withTasks)).toBe(true);
    const completed = [deployment('rollback', 'COMPLETED', 'PRIMARY'), failed];
    expect(listedDeployments(completed, withTasks).map((d) => d.id)).toEqual(['rollback']);
  });

  it('always lists the PRIMARY deployment, even without tasks', () => {
    expect(listedDeployments([deployment('only', 'FAILED', 'PRIMARY')], new Set()).map((d) => d.id)).toEqual(['only']);
  });
});
