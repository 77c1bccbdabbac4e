import type { AccountRegionStores } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
import type { TaskRecord } from '../runtime/task-record';
import { countByDeployment, isLive } from '../domain/service';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';
import type { TaskRuntime } from '../runtime/task-runtime';
import { positiveInt } from '../runtime/runtime-config';
import {
  applyCircuitBreaker,
  applyRequestedRollback,
  beginServiceDeployment,
  drain,
  pruneDeployments,
  recordCompletion,
  rollOut,
  stopUnhealthyTasks,
  stopTasksFailingElbHealthChecks,
  throttleFailedStarts,
} from './reconcile-steps';
import { reconcileTaskSets } from './task-sets';
import { usesTaskSets } from '../domain/task-sets';
import { ServicePass } from './service-pass';
import { StartThrottles, type BackoffConfig } from './start-throttle';
import { QuietServices } from './quiet-services';

export interface ServiceSchedulerConfig extends BackoffConfig {
  /** Milliseconds between reconciliation passes (task changes also trigger one). */
  readonly intervalMs: number;
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
  /** The target group a task's load balancer target is unhealthy in, if any (`src/load-balancing/`). */
  readonly failingTargetGroup?: (task: TaskRecord) => string | undefined;
  /** Whether a task's load balancer targets (if its service has any) are healthy, for rolling updates. */
  readonly targetsHealthy?: (task: TaskRecord) => boolean;
}

/**
 * The ECS service scheduler: one reconciliation pass over every ACTIVE or DRAINING service, on a
 * timer and whenever something asks (`kick`). Each service's pass is synchronous (read, decide, write
 * the record, fire launches and stops), so API handlers and the scheduler never interleave on a record.
 */
export class ServiceScheduler {
  private timer?: NodeJS.Timeout;
  private kicked?: NodeJS.Immediate;
  private readonly throttles = new StartThrottles();
  private readonly quiet: QuietServices;
  private closed = false;

  constructor(private readonly options: ServiceSchedulerOptions) {
    this.quiet = new QuietServices(options.stores);
  }

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

  /**
   * A load balancer target's health changed (`src/load-balancing/`): not a change to the store, so no
   * service is taken as unchanged any more; then a pass.
   */
  targetsChanged(): void {
    this.quiet.clear();
    this.kick();
  }

  /** One reconciliation pass over every service that still has work. */
  pass(): void {
    if (this.closed || !this.options.ready()) return;
    for (const record of [...this.options.services.values()]) {
      if (record.status !== 'ACTIVE' && record.status !== 'DRAINING') continue;
      // Its last pass did nothing, and nothing that pass read has changed since.
      if (this.quiet.unchanged(record)) continue;
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

  /** One service's pass: the steps in the order ECS takes them (docs/ecs-provider.md, "The scheduler"). */
  private reconcile(record: ServiceRecord): void {
    const pass = ServicePass.open(this.options, record);
    if (!pass) return this.quiet.forget(record.serviceArn!);
    const { serviceArn } = pass.service;
    this.quiet.forget(serviceArn!);
    if (pass.service.status === 'DRAINING') {
      const inactive = drain(pass);
      pass.save();
      if (inactive) this.throttles.forget(serviceArn);
      return;
    }
    const containerUnhealthy = stopUnhealthyTasks(pass);
    const unhealthy = [
      ...containerUnhealthy,
      ...stopTasksFailingElbHealthChecks(pass, this.options.failingTargetGroup, containerUnhealthy),
    ];
    const counts = countByDeployment(pass.tasks);
    const failedTotal = [...counts.values()].reduce((n, c) => n + c.failed, 0) + unhealthy.length;
    const throttle = this.throttles.of(serviceArn, failedTotal);
    throttleFailedStarts(pass, throttle, failedTotal, this.options.config);
    if (usesTaskSets(pass.service)) {
      reconcileTaskSets(pass, throttle.startAllowed(pass.now));
      this.quiet.passed(pass, pass.save(), throttle, this.options.failingTargetGroup);
      return;
    }
    applyRequestedRollback(pass, throttle);
    const primary = applyCircuitBreaker(pass, counts, throttle);
    if (!primary) return;
    beginServiceDeployment(pass, primary);
    const live = pass.tasks.filter((t) => isLive(t) && !unhealthy.includes(t));
    const step = rollOut(pass, primary, live, throttle.startAllowed(pass.now), this.options.targetsHealthy);
    if (recordCompletion(pass, primary, live, step)) throttle.settled();
    pruneDeployments(pass);
    this.quiet.passed(pass, pass.save(), throttle, this.options.failingTargetGroup);
  }
}
