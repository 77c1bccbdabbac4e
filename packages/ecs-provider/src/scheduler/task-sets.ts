import type { Deployment } from '@aws-sdk/client-ecs';
import { isLive } from '../domain/service';
import { computedDesiredCount, stabilityOf, tasksOfTaskSet, type TaskSetRecord } from '../domain/task-sets';
import { serviceEventMessages as say } from './service-events';
import type { ServicePass } from './service-pass';

/*
 * The scheduler step of a service with task sets (EXTERNAL or CODE_DEPLOY deployment controller), in
 * place of the rolling deployment: each task set keeps its own computed count of tasks running (its
 * scale's percent of the service's desired count); a DRAINING task set (DeleteTaskSet) stops its tasks
 * and leaves the service once none is left. `stabilityStatus` follows what runs.
 */
export function reconcileTaskSets(pass: ServicePass, startAllowed: boolean): void {
  const taskSets = (pass.service.taskSets ?? []) as TaskSetRecord[];
  const kept: TaskSetRecord[] = [];
  for (const taskSet of taskSets) {
    const live = tasksOfTaskSet(taskSet, pass.tasks).filter(isLive);
    const target = computedDesiredCount(pass.service, taskSet);
    if (live.length < target && startAllowed) {
      const started = pass.start(asDeployment(taskSet), target - live.length);
      if (started.length > 0) pass.say(say.startedTasks(pass.name, started));
    } else if (live.length > target) {
      // Pending tasks go first, as a scale-in takes them.
      const excess = [...live]
        .sort((a, b) => Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING'))
        .slice(0, live.length - target);
      pass.stop(excess, taskSet.status === 'DRAINING' ? 'Task set is being deleted' : 'Task set scaled in');
      pass.say(
        say.stoppedTasks(
          pass.name,
          excess.map((t) => t.taskArn),
        ),
      );
    }
    if (taskSet.status === 'DRAINING' && tasksOfTaskSet(taskSet, pass.tasks).every((t) => t.lastStatus === 'STOPPED')) {
      pass.changed = true;
      continue;
    }
    const stability = stabilityOf(pass.service, taskSet, pass.tasks);
    if (stability !== taskSet.stabilityStatus) {
      taskSet.stabilityStatus = stability;
      taskSet.stabilityStatusAt = new Date(pass.now);
      pass.changed = true;
    }
    kept.push(taskSet);
  }
  pass.service.taskSets = kept;
}

/** What `ServicePass.start` needs of a deployment, from the task set. */
function asDeployment(taskSet: TaskSetRecord): Deployment {
  return {
    id: taskSet.id,
    taskDefinition: taskSet.taskDefinition,
    launchType: taskSet.launchType,
    capacityProviderStrategy: taskSet.capacityProviderStrategy,
    networkConfiguration: taskSet.networkConfiguration,
  };
}
