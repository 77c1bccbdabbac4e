import type { Deployment } from '@aws-sdk/client-ecs';
import {
  effectiveDeploymentConfiguration,
  failureThreshold,
  isLive,
  newDeployment,
  type DeploymentCounts,
} from '../domain/service';
import type { TaskRecord } from '../runtime/task-record';
import { planRollout, type RolloutStep } from './deployment';
import { deploymentsWithTasks, listedDeployments, onlyPrimaryHasTasks } from './deployment-list';
import { serviceEventMessages as say } from './service-events';
import type { ServicePass } from './service-pass';
import type { BackoffConfig, StartThrottle } from './start-throttle';

/*
 * The steps of a scheduler pass over one service, in the order `ServiceScheduler.reconcile` runs them
 * (docs/ecs-provider.md, "The scheduler"). Each reads the pass, changes its copy of the service and
 * asks for starts and stops through it.
 */

/** A DRAINING service: stop every task; INACTIVE, without deployments, once all are STOPPED. True then. */
export function drain(pass: ServicePass): boolean {
  const live = pass.tasks.filter(isLive);
  if (live.length > 0) {
    pass.stop(live, 'Service is being deleted');
    pass.say(
      say.stoppedTasks(
        pass.name,
        live.map((t) => t.taskArn),
      ),
    );
  }
  if (pass.tasks.every((t) => t.lastStatus === 'STOPPED')) {
    pass.service.status = 'INACTIVE';
    pass.service.deployments = [];
    pass.changed = true;
  }
  return pass.service.status === 'INACTIVE';
}

/** Stops the tasks that turned UNHEALTHY after the grace period, to be replaced; returns them. */
export function stopUnhealthyTasks(pass: ServicePass): TaskRecord[] {
  const graceMs = (pass.service.healthCheckGracePeriodSeconds ?? 0) * 1000;
  const unhealthy = pass.tasks.filter(
    (t) =>
      isLive(t) &&
      t.healthStatus === 'UNHEALTHY' &&
      pass.now - (t.startedAt?.getTime() ?? t.createdAt?.getTime() ?? pass.now) >= graceMs,
  );
  for (const task of unhealthy) pass.say(say.unhealthyTask(pass.name, task.taskArn));
  pass.stop(unhealthy, 'Task failed container health checks');
  return unhealthy;
}

/** Pushes the next start back for new failures; says so when the third failure in a row comes. */
export function throttleFailedStarts(
  pass: ServicePass,
  throttle: StartThrottle,
  failedTotal: number,
  config: BackoffConfig,
): void {
  if (throttle.observe(failedTotal, pass.now, config) && throttle.failures === 3) pass.say(say.cannotStart(pass.name));
}

/**
 * The circuit breaker: a PRIMARY deployment whose failed tasks reach the threshold is FAILED and, with
 * `rollback`, replaced by a new PRIMARY deployment of the last completed task definition, which starts
 * at once. Returns the PRIMARY deployment after that (undefined when the service has none).
 */
export function applyCircuitBreaker(
  pass: ServicePass,
  counts: ReadonlyMap<string, DeploymentCounts>,
  throttle: StartThrottle,
): Deployment | undefined {
  const { service } = pass;
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const primary = service.deployments[0];
  if (
    !primary ||
    primary.rolloutState !== 'IN_PROGRESS' ||
    !breaker?.enable ||
    (counts.get(primary.id!)?.failed ?? 0) < failureThreshold(service.desiredCount ?? 0)
  ) {
    return primary;
  }
  primary.rolloutState = 'FAILED';
  primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  primary.updatedAt = new Date(pass.now);
  pass.say(say.deploymentFailed(pass.name, primary.id!));
  pass.changed = true;
  const target = service.scheduler?.lastCompletedTaskDefinition;
  if (!breaker.rollback || !target || target === primary.taskDefinition) return primary;
  const rollback = newDeployment(service, target, new Date(pass.now));
  rollback.rolloutStateReason = `ECS deployment circuit breaker: rolling back to deploymentId ${rollback.id}.`;
  primary.status = 'ACTIVE';
  service.deployments = [rollback, ...service.deployments];
  service.taskDefinition = target;
  pass.say(say.rollingBack(pass.name, rollback.id!));
  // The failures belonged to the failed deployment.
  throttle.reset();
  return rollback;
}

/**
 * One step of the rolling update towards the PRIMARY deployment's desired count, within
 * minimumHealthyPercent and maximumPercent: stops and starts tasks, and returns what it decided.
 */
export function rollOut(
  pass: ServicePass,
  primary: Deployment,
  live: readonly TaskRecord[],
  startAllowed: boolean,
): RolloutStep {
  const { service } = pass;
  const config = effectiveDeploymentConfiguration(service);
  const desired = service.schedulingStrategy === 'DAEMON' ? 1 : (service.desiredCount ?? 0);
  if (primary.desiredCount !== desired) {
    primary.desiredCount = desired;
    pass.changed = true;
  }
  const step = planRollout({
    desiredCount: desired,
    minimumHealthyPercent: config.minimumHealthyPercent,
    maximumPercent: config.maximumPercent,
    primaryId: primary.id!,
    live,
    // A deployment the circuit breaker failed stops launching tasks, as ECS documents.
    startAllowed: startAllowed && primary.rolloutState !== 'FAILED',
  });
  if (step.stop.length > 0) {
    pass.stop(step.stop, `Scaling activity initiated by (deployment ${primary.id})`);
    pass.say(
      say.stoppedTasks(
        pass.name,
        step.stop.map((t) => t.taskArn),
      ),
    );
  }
  const started = step.start > 0 ? pass.start(primary, step.start) : [];
  if (started.length > 0) pass.say(say.startedTasks(pass.name, started));
  return step;
}

/**
 * Completion and steady state: when this pass neither started nor stopped anything, no older deployment
 * has a task left and the PRIMARY deployment's tasks all run (HEALTHY where checked), the deployment is
 * COMPLETED and the service steady. Returns whether it is.
 */
export function recordCompletion(
  pass: ServicePass,
  primary: Deployment,
  live: readonly TaskRecord[],
  step: RolloutStep,
): boolean {
  const { service } = pass;
  const primaryLive = live.filter((t) => t.startedBy === primary.id && !step.stop.includes(t));
  const settled =
    !pass.acted &&
    onlyPrimaryHasTasks(service.deployments, deploymentsWithTasks(pass.tasks)) &&
    primaryLive.length === primary.desiredCount &&
    primaryLive.every((t) => t.lastStatus === 'RUNNING' && t.healthStatus !== 'UNHEALTHY') &&
    primaryLive.every(
      (t) => !t.runtime?.containers.some((c) => c.essential && c.hasHealthCheck) || t.healthStatus === 'HEALTHY',
    );
  if (settled && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = new Date(pass.now);
    service.scheduler = { ...service.scheduler, lastCompletedTaskDefinition: primary.taskDefinition };
    pass.say(say.deploymentCompleted(pass.name, primary.id!));
    pass.changed = true;
  }
  if (settled && !service.scheduler?.steady) {
    service.scheduler = { ...service.scheduler, steady: true };
    pass.say(say.steadyState(pass.name));
    pass.changed = true;
  } else if (!settled && service.scheduler?.steady) {
    service.scheduler = { ...service.scheduler, steady: false };
    pass.changed = true;
  }
  return settled;
}

/** Older deployments leave the list once their last task is STOPPED; a FAILED one once its rollback completed. */
export function pruneDeployments(pass: ServicePass): void {
  const listed = listedDeployments(pass.service.deployments, deploymentsWithTasks(pass.tasks));
  if (listed.length !== pass.service.deployments.length) {
    pass.service.deployments = listed;
    pass.changed = true;
  }
}
