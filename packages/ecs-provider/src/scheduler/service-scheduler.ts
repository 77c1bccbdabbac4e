import type { Deployment, TaskDefinition } from '@aws-sdk/client-ecs';
import type { AccountRegionStores } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
import { parseArn, parseTaskDefinitionRef } from '../arn';
import {
  countByDeployment,
  effectiveDeploymentConfiguration,
  failureThreshold,
  isLive,
  newDeploymentId,
  serviceGroup,
  serviceTaskTags,
  tasksOfService,
} from '../domain/service';
import { launchTypeOf } from '../domain/launch-type';
import { newTaskRecord } from '../domain/new-task';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';
import { ScopedTasks } from '../runtime/scoped-tasks';
import { refOf, type TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import { positiveInt } from '../runtime/runtime-config';
import { planRollout } from './deployment';
import { deploymentsWithTasks, listedDeployments, onlyPrimaryHasTasks } from './deployment-list';
import { serviceEventMessages as say, withEvents } from './service-events';

export interface ServiceSchedulerConfig {
  /** Milliseconds between reconciliation passes (task changes also trigger one). */
  readonly intervalMs: number;
  /** First delay after a task of a service failed to start; doubles with each further failure. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export function loadSchedulerConfig(env: Readonly<Record<string, string | undefined>>): ServiceSchedulerConfig {
  const number = (name: string, fallback: number) => positiveInt(name, env[name], fallback);
  return {
    intervalMs: number('ECS_SCHEDULER_INTERVAL_MS', 1000),
    backoffBaseMs: number('ECS_SCHEDULER_BACKOFF_BASE_MS', 5000),
    backoffMaxMs: number('ECS_SCHEDULER_BACKOFF_MAX_MS', 300_000),
  };
}

export interface ServiceSchedulerOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  /** The table behind every account's service view, to find all services. */
  readonly services: DurableTable<ServiceRecord>;
  readonly runtime: TaskRuntime;
  readonly config: ServiceSchedulerConfig;
  readonly logger: Logger;
  /** Whether tasks may be started and stopped now: the engine answers and stored tasks were reconciled. */
  readonly ready: () => boolean;
}

/** Per service, in memory: failures seen, and when the next start is allowed. */
interface Throttle {
  failedSeen: number;
  failures: number;
  nextStartAt: number;
}

/**
 * The ECS service scheduler: one reconciliation pass over every ACTIVE or DRAINING service, on a
 * timer and whenever something asks (`kick`). Each service's pass is synchronous (read, decide, write
 * the record, fire launches and stops), so API handlers and the scheduler never interleave on a record.
 */
export class ServiceScheduler {
  private timer?: NodeJS.Timeout;
  private kicked?: NodeJS.Immediate;
  private readonly throttles = new Map<string, Throttle>();
  private closed = false;

  constructor(private readonly options: ServiceSchedulerOptions) {}

  start(): void {
    this.closed = false;
    this.timer = setInterval(() => this.pass(), this.options.config.intervalMs);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.kicked) clearImmediate(this.kicked);
    this.kicked = undefined;
  }

  /** Runs a pass soon (coalesced), e.g. after an API change or a task state change. */
  kick(): void {
    if (this.closed || this.kicked) return;
    this.kicked = setImmediate(() => {
      this.kicked = undefined;
      this.pass();
    });
  }

  /** One reconciliation pass over every service that still has work. */
  pass(): void {
    if (this.closed || !this.options.ready()) return;
    for (const record of [...this.options.services.values()]) {
      if (record.status !== 'ACTIVE' && record.status !== 'DRAINING') continue;
      try {
        this.reconcile(record);
      } catch (error) {
        this.options.logger.warn('service reconciliation failed', {
          serviceArn: record.serviceArn,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private reconcile(record: ServiceRecord): void {
    const arn = parseArn(record.serviceArn);
    const clusterArn = parseArn(record.clusterArn);
    if (!arn || !clusterArn) return;
    const store = this.options.stores.get(arn.accountId, arn.region);
    const clusterName = clusterArn.resource;
    const serviceKey = `${clusterName}/${record.serviceName}`;
    // The store's own view of the record (the scan above may predate a handler's write).
    const current = store.services.get(serviceKey);
    if (!current || (current.status !== 'ACTIVE' && current.status !== 'DRAINING')) return;
    const scoped = new ScopedTasks(store.tasks, this.options.runtime, async () => true);
    const tasks = tasksOfService(current, scoped.inCluster(clusterName));
    const service = structuredClone(current) as ServiceRecord & { deployments: Deployment[] };
    service.deployments ??= [];
    const name = service.serviceName!;
    const messages: string[] = [];
    const now = Date.now();
    let acted = false;
    let changed = false;

    const stopTasks = (list: readonly TaskRecord[], reason: string) => {
      for (const task of list)
        void this.options.runtime.stop(refOf(task), { stopCode: 'ServiceSchedulerInitiated', reason });
    };

    if (service.status === 'DRAINING') {
      const live = tasks.filter(isLive);
      if (live.length > 0) {
        stopTasks(live, 'Service is being deleted');
        messages.push(
          say.stoppedTasks(
            name,
            live.map((t) => t.taskArn),
          ),
        );
      }
      if (tasks.every((t) => t.lastStatus === 'STOPPED')) {
        service.status = 'INACTIVE';
        service.deployments = [];
      }
      this.save(store, serviceKey, service, messages, live.length > 0 || service.status === 'INACTIVE');
      if (service.status === 'INACTIVE') this.throttles.delete(service.serviceArn);
      return;
    }

    // Tasks that turned UNHEALTHY after the grace period are replaced.
    const graceMs = (service.healthCheckGracePeriodSeconds ?? 0) * 1000;
    const unhealthy = tasks.filter(
      (t) =>
        isLive(t) &&
        t.healthStatus === 'UNHEALTHY' &&
        now - (t.startedAt?.getTime() ?? t.createdAt?.getTime() ?? now) >= graceMs,
    );
    for (const task of unhealthy) messages.push(say.unhealthyTask(name, task.taskArn));
    if (unhealthy.length > 0) {
      stopTasks(unhealthy, 'Task failed container health checks');
      acted = true;
    }
    const live = tasks.filter((t) => isLive(t) && !unhealthy.includes(t));

    // Failed starts throttle further starts, doubling the delay each time, as ECS does.
    const counts = countByDeployment(tasks);
    const failedTotal = [...counts.values()].reduce((n, c) => n + c.failed, 0) + unhealthy.length;
    const throttle = this.throttleOf(service.serviceArn, failedTotal);
    if (failedTotal > throttle.failedSeen) {
      throttle.failures += failedTotal - throttle.failedSeen;
      const delay = Math.min(
        this.options.config.backoffMaxMs,
        this.options.config.backoffBaseMs * 2 ** Math.min(throttle.failures - 1, 20),
      );
      throttle.nextStartAt = now + delay;
      if (throttle.failures === 3) messages.push(say.cannotStart(name));
    }
    throttle.failedSeen = failedTotal;

    // Circuit breaker: a deployment whose failed tasks reach the threshold FAILED; rollback optional.
    const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
    let primary = service.deployments[0];
    if (
      primary &&
      primary.rolloutState === 'IN_PROGRESS' &&
      breaker?.enable &&
      (counts.get(primary.id!)?.failed ?? 0) >= failureThreshold(service.desiredCount ?? 0)
    ) {
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      primary.updatedAt = new Date(now);
      messages.push(say.deploymentFailed(name, primary.id!));
      changed = true;
      const target = service.scheduler?.lastCompletedTaskDefinition;
      if (breaker.rollback && target && target !== primary.taskDefinition) {
        const rollback = newDeployment(service, target, new Date(now));
        rollback.rolloutStateReason = `ECS deployment circuit breaker: rolling back to deploymentId ${rollback.id}.`;
        primary.status = 'ACTIVE';
        service.deployments = [rollback, ...service.deployments];
        service.taskDefinition = target;
        messages.push(say.rollingBack(name, rollback.id!));
        primary = rollback;
        // A rollback starts at once: the failures belonged to the failed deployment.
        throttle.failures = 0;
        throttle.nextStartAt = 0;
      }
    }
    if (!primary) return;

    const config = effectiveDeploymentConfiguration(service);
    const desired = service.schedulingStrategy === 'DAEMON' ? 1 : (service.desiredCount ?? 0);
    if (primary.desiredCount !== desired) {
      primary.desiredCount = desired;
      changed = true;
    }
    const step = planRollout({
      desiredCount: desired,
      minimumHealthyPercent: config.minimumHealthyPercent,
      maximumPercent: config.maximumPercent,
      primaryId: primary.id!,
      live,
      // A deployment the circuit breaker failed stops launching tasks, as ECS documents.
      startAllowed: now >= throttle.nextStartAt && primary.rolloutState !== 'FAILED',
    });
    if (step.stop.length > 0) {
      stopTasks(step.stop, `Scaling activity initiated by (deployment ${primary.id})`);
      messages.push(
        say.stoppedTasks(
          name,
          step.stop.map((t) => t.taskArn),
        ),
      );
      acted = true;
    }
    const started = step.start > 0 ? this.startTasks(store, scoped, service, primary, clusterName, step.start) : [];
    if (started.length > 0) {
      messages.push(say.startedTasks(name, started));
      acted = true;
    }

    // Completion and steady state, once older deployments' tasks are all STOPPED.
    const withTasks = deploymentsWithTasks(tasks);
    const primaryLive = live.filter((t) => t.startedBy === primary.id && !step.stop.includes(t));
    const settled =
      !acted &&
      onlyPrimaryHasTasks(service.deployments, withTasks) &&
      primaryLive.length === desired &&
      primaryLive.every((t) => t.lastStatus === 'RUNNING' && t.healthStatus !== 'UNHEALTHY') &&
      primaryLive.every(
        (t) => !t.runtime?.containers.some((c) => c.essential && c.hasHealthCheck) || t.healthStatus === 'HEALTHY',
      );
    if (settled && primary.rolloutState === 'IN_PROGRESS') {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      primary.updatedAt = new Date(now);
      service.scheduler = { ...service.scheduler, lastCompletedTaskDefinition: primary.taskDefinition };
      messages.push(say.deploymentCompleted(name, primary.id!));
      changed = true;
    }
    if (settled && !service.scheduler?.steady) {
      service.scheduler = { ...service.scheduler, steady: true };
      messages.push(say.steadyState(name));
      changed = true;
    } else if (!settled && service.scheduler?.steady) {
      service.scheduler = { ...service.scheduler, steady: false };
      changed = true;
    }
    if (settled && throttle.failures > 0) throttle.failures = 0;

    // Older deployments leave once their last task is STOPPED; a FAILED one once its rollback completed.
    const listed = listedDeployments(service.deployments, withTasks);
    if (listed.length !== service.deployments.length) {
      service.deployments = listed;
      changed = true;
    }
    this.save(store, serviceKey, service, messages, changed || acted);
  }

  private startTasks(
    store: EcsStore,
    tasks: ScopedTasks,
    service: ServiceRecord,
    deployment: Deployment,
    clusterName: string,
    count: number,
  ): string[] {
    const ref = parseTaskDefinitionRef(deployment.taskDefinition!, store.scope);
    const stored = ref?.revision ? store.taskDefinitions.get(`${ref.family}:${ref.revision}`) : undefined;
    if (!stored) {
      this.options.logger.warn('service task definition not found', {
        serviceArn: service.serviceArn,
        taskDefinition: deployment.taskDefinition,
      });
      return [];
    }
    const definition: TaskDefinition = stored.taskDefinition;
    const strategy = deployment.capacityProviderStrategy?.[0]?.capacityProvider;
    const started: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const record = newTaskRecord({
        scope: store.scope,
        clusterName,
        clusterArn: service.clusterArn,
        definition,
        launchType: launchTypeOf(deployment.launchType, strategy),
        capacityProviderName: strategy,
        startedBy: deployment.id,
        group: serviceGroup(service.serviceName!),
        tags: serviceTaskTags(service, stored.tags, clusterName),
        networkConfiguration: deployment.networkConfiguration,
        enableExecuteCommand: service.enableExecuteCommand,
      });
      tasks.put(record);
      this.options.runtime.launch(refOf(record), definition);
      started.push(record.taskArn);
    }
    return started;
  }

  private save(
    store: EcsStore,
    key: string,
    service: ServiceRecord,
    messages: readonly string[],
    changed: boolean,
  ): void {
    if (!changed && messages.length === 0) return;
    const next: ServiceRecord =
      messages.length > 0 ? { ...service, events: withEvents(service.events, messages) } : service;
    store.services.put(key, next);
  }

  private throttleOf(serviceArn: string, failedTotal: number): Throttle {
    let throttle = this.throttles.get(serviceArn);
    if (!throttle) {
      // Failures from before this process started are history, not a reason to wait.
      throttle = { failedSeen: failedTotal, failures: 0, nextStartAt: 0 };
      this.throttles.set(serviceArn, throttle);
    }
    return throttle;
  }
}

/** A new PRIMARY deployment of the service's current settings with the given task definition. */
export function newDeployment(service: ServiceRecord, taskDefinition: string, now: Date): Deployment {
  return {
    id: newDeploymentId(),
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.schedulingStrategy === 'DAEMON' ? 1 : (service.desiredCount ?? 0),
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    launchType: service.launchType,
    capacityProviderStrategy: service.capacityProviderStrategy,
    platformVersion: service.platformVersion,
    platformFamily: service.platformFamily,
    networkConfiguration: service.networkConfiguration,
    serviceConnectConfiguration: service.serviceConnectConfiguration,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment detected.',
  };
}
