import type { Deployment } from '@aws-sdk/client-ecs';
import {
  effectiveDeploymentConfiguration,
  failureThreshold,
  isHealthyRunning,
  isLive,
  newDeployment,
  type DeploymentCounts,
} from '../domain/service';
import {
  finish,
  newServiceRevision,
  revisionArnOf,
  serviceDeploymentIdOf,
  isFinished,
} from '../domain/service-deployments';
import { restoreRevision, sameDeployedSettings } from '../domain/rollback-configuration';
import type { TaskRecord } from '../runtime/task-record';
import type { ServiceDeploymentRecord } from '../store/records';
import { planRollout, type RolloutStep } from './deployment';
import { deploymentsWithTasks, listedDeployments, onlyPrimaryHasTasks } from './deployment-list';
import { serviceEventMessages as say } from './service-events';
import type { ServicePass } from './service-pass';
import type { BackoffConfig, StartThrottle } from './start-throttle';
import { editableServiceDeployment } from './editable-service';

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

/**
 * Stops the tasks whose load balancer target turned unhealthy after the grace period, to be replaced, with
 * ECS's reason; returns them. `failingTargetGroup` names the group a task fails in (`src/load-balancing/`).
 */
export function stopTasksFailingElbHealthChecks(
  pass: ServicePass,
  failingTargetGroup: ((task: TaskRecord) => string | undefined) | undefined,
  alreadyStopped: readonly TaskRecord[],
): TaskRecord[] {
  if (!failingTargetGroup) return [];
  const graceMs = (pass.service.healthCheckGracePeriodSeconds ?? 0) * 1000;
  const failing = pass.tasks.filter(
    (t) =>
      isLive(t) &&
      !alreadyStopped.includes(t) &&
      failingTargetGroup(t) !== undefined &&
      pass.now - (t.startedAt?.getTime() ?? t.createdAt?.getTime() ?? pass.now) >= graceMs,
  );
  for (const task of failing) {
    const group = failingTargetGroup(task)!;
    pass.say(say.failedElbHealthChecks(pass.name, task.taskArn, group));
    pass.stop([task], `Task failed ELB health checks in (target-group ${group})`);
  }
  return failing;
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
 * `rollback`, replaced by a new PRIMARY deployment of the last completed deployment's revision (task
 * definition, load balancers, registries, Service Connect, network), which starts at once. Returns the PRIMARY deployment after that (undefined when the service has none).
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
  const failed = counts.get(primary.id!)?.failed ?? 0;
  const record = pass.serviceDeployment(primary.id!);
  const rollingBackAlready = record?.local.rollbackDeploymentId === primary.id;
  // The last COMPLETED deployment's revision; state of an older gateway knows only its task definition.
  const completed = service.scheduler?.lastCompletedDeploymentId;
  const source = completed ? pass.revision(revisionArnOf(pass.scope, service, completed)) : undefined;
  const failedRevision = pass.revision(revisionArnOf(pass.scope, service, primary.id!));
  const target = source?.taskDefinition ?? service.scheduler?.lastCompletedTaskDefinition;
  const nothingToRestore =
    source && failedRevision ? sameDeployedSettings(source, failedRevision) : target === primary.taskDefinition;
  if (!breaker.rollback || !target || nothingToRestore || rollingBackAlready) {
    if (record && !isFinished(record)) {
      const status = rollingBackAlready ? 'ROLLBACK_FAILED' : 'STOPPED';
      const ended = finish(record, status, primary.rolloutStateReason, new Date(pass.now), service, pass.tasks);
      ended.deploymentCircuitBreaker = { ...ended.deploymentCircuitBreaker, status: 'TRIGGERED', failureCount: failed };
      pass.putServiceDeployment(ended);
    }
    return primary;
  }
  const triggered = record && {
    ...editableServiceDeployment(record),
    deploymentCircuitBreaker: {
      ...record.deploymentCircuitBreaker,
      status: 'TRIGGERED' as const,
      failureCount: failed,
    },
  };
  if (source?.taskDefinition) restoreRevision(service, source);
  const rollback = rollBack(pass, primary, target, primary.rolloutStateReason, triggered);
  rollback.rolloutStateReason = `ECS deployment circuit breaker: rolling back to deploymentId ${rollback.id}.`;
  // The failures belonged to the failed deployment.
  throttle.reset();
  return rollback;
}

/**
 * A new PRIMARY deployment of `taskDefinition` replacing `failed`, which stays listed (ACTIVE). The
 * service deployment of the failed one, if any, is ROLLBACK_IN_PROGRESS and owns the rollback, whose
 * revision is a new snapshot with the rollback deployment's id.
 */
function rollBack(
  pass: ServicePass,
  failed: Deployment,
  taskDefinition: string,
  reason: string,
  stored: Readonly<ServiceDeploymentRecord> | undefined,
): Deployment {
  const { service } = pass;
  const now = new Date(pass.now);
  const rollback = newDeployment(service, taskDefinition, now);
  failed.status = 'ACTIVE';
  service.deployments = [rollback, ...service.deployments];
  service.taskDefinition = taskDefinition;
  pass.putRevision(newServiceRevision(pass.scope, service, rollback, pass.definition(taskDefinition)));
  if (stored && !isFinished(stored)) {
    const record = editableServiceDeployment(stored);
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.statusReason = reason;
    record.updatedAt = now;
    record.startedAt ??= now;
    record.rollback = { reason, startedAt: now, serviceRevisionArn: revisionArnOf(pass.scope, service, rollback.id!) };
    record.local.rollbackDeploymentId = rollback.id;
    pass.putServiceDeployment(record);
    service.scheduler = {
      ...service.scheduler,
      serviceDeployments: { ...service.scheduler?.serviceDeployments, [rollback.id!]: serviceDeploymentIdOf(record) },
    };
  }
  pass.say(say.rollingBack(pass.name, rollback.id!));
  pass.changed = true;
  return rollback;
}

/**
 * StopServiceDeployment (ROLLBACK) marked the PRIMARY deployment's service deployment ROLLBACK_REQUESTED:
 * the deployment stops launching (FAILED) and a new PRIMARY deployment of the source revision (its task
 * definition, network and launch settings) starts. Returns the PRIMARY deployment after that.
 */
export function applyRequestedRollback(pass: ServicePass, throttle: StartThrottle): Deployment | undefined {
  const { service } = pass;
  const primary = service.deployments[0];
  const record = primary && pass.serviceDeployment(primary.id!);
  if (!primary || record?.status !== 'ROLLBACK_REQUESTED' || record.local.deploymentId !== primary.id) return primary;
  const now = new Date(pass.now);
  const reason = 'Service deployment rolled back by StopServiceDeployment.';
  const source = pass.revision(record.sourceServiceRevisions?.[0]?.arn ?? '');
  if (!source?.taskDefinition) {
    pass.putServiceDeployment(
      finish(record, 'ROLLBACK_FAILED', 'No source service revision to roll back to.', now, service, pass.tasks),
    );
    return primary;
  }
  primary.rolloutState = 'FAILED';
  primary.rolloutStateReason = reason;
  primary.updatedAt = now;
  restoreRevision(service, source);
  // Failures so far belonged to the deployment rolled back, not to the rollback.
  throttle.reset();
  return rollBack(pass, primary, source.taskDefinition, reason, record);
}

/** The PRIMARY deployment's service deployment is IN_PROGRESS from the first pass that works on it. */
export function beginServiceDeployment(pass: ServicePass, primary: Deployment): void {
  const stored = pass.serviceDeployment(primary.id!);
  if (stored?.status !== 'PENDING' || stored.local.deploymentId !== primary.id) return;
  const record = editableServiceDeployment(stored);
  record.status = 'IN_PROGRESS';
  record.startedAt = new Date(pass.now);
  record.updatedAt = record.startedAt;
  pass.putServiceDeployment(record);
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
  targetsHealthy?: (task: TaskRecord) => boolean,
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
    // The pass's clock, for task protection expiry.
    now: pass.now,
    // Behind a load balancer, a new task counts once its targets are healthy too (`src/load-balancing/`),
    // so old tasks drain only once new targets serve; an old task's unhealthy target replaces it anyway.
    isHealthy: targetsHealthy && ((t) => isHealthyRunning(t) && (t.startedBy !== primary.id || targetsHealthy(t))),
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
    service.scheduler = {
      ...service.scheduler,
      lastCompletedTaskDefinition: primary.taskDefinition,
      lastCompletedDeploymentId: primary.id,
    };
    pass.say(say.deploymentCompleted(pass.name, primary.id!));
    pass.changed = true;
    const record = pass.serviceDeployment(primary.id!);
    if (record && !isFinished(record)) {
      const rolledBack = record.local.rollbackDeploymentId === primary.id;
      const status = rolledBack ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL';
      const reason = rolledBack
        ? `Rolled back by deployment ${primary.id}.`
        : `ECS deployment ${primary.id} completed.`;
      pass.putServiceDeployment(finish(record, status, reason, new Date(pass.now), service, pass.tasks));
    }
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
  const { service } = pass;
  const listed = listedDeployments(service.deployments, deploymentsWithTasks(pass.tasks));
  if (listed.length !== service.deployments.length) {
    service.deployments = listed;
    // Only listed deployments need their service deployment found again.
    const ids = service.scheduler?.serviceDeployments;
    if (ids) {
      const kept = Object.fromEntries(Object.entries(ids).filter(([id]) => listed.some((d) => d.id === id)));
      service.scheduler = { ...service.scheduler, serviceDeployments: kept };
    }
    pass.changed = true;
  }
}
