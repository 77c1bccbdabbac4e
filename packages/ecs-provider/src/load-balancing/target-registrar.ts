import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { Logger } from 'winston';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { shouldBeTargets, targetsOf, type TaskHost, type TaskTarget } from './targets';

/** The ECS service a task belongs to, with its `loadBalancers`. */
export interface TargetService {
  readonly serviceName: string;
  readonly loadBalancers: readonly LoadBalancer[];
  /** Where a bridge or host task runs (its instance's EC2 id, its network mode). */
  readonly host?: TaskHost;
}

export interface TargetRegistrarOptions {
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  readonly serviceOf: (task: TaskRecord) => TargetService | undefined;
  /** The ELBv2 provider, looked up when needed (providers are created one after another). */
  readonly elb: () => Promise<ServiceProvider | undefined>;
  /** Adds an event to the task's service, in ECS's wording. */
  readonly event: (task: TaskRecord, message: string) => void;
  readonly logger: Logger;
  /** A registered target turned healthy or unhealthy (the service scheduler acts on it). */
  readonly onHealthChanged: () => void;
  /** How often the health of registered targets is read (default 1000 ms). */
  readonly healthPollMs?: number;
}

interface Applied {
  readonly registered: boolean;
  readonly signature?: string;
  readonly targets: readonly TaskTarget[];
  /** When the targets deregistered last finish draining (epoch ms). */
  drainedAt?: number;
}

/** Target states in which a task's target serves (or would, once a listener uses its group). */
const SERVING = new Set(['healthy', 'unused', 'unavailable']);

export const targetEventMessages = {
  registered: (service: string, count: number, targetGroupArn: string) =>
    `(service ${service}) registered ${count} targets in (target-group ${targetGroupArn})`,
  deregistered: (service: string, count: number, targetGroupArn: string) =>
    `(service ${service}) deregistered ${count} targets in (target-group ${targetGroupArn})`,
} as const;

/**
 * ECS's side of a service's `loadBalancers`: each task is registered in its target groups once it is
 * RUNNING, and deregistered as soon as it is asked to stop; `drain` (awaited by the task runtime before
 * it stops the containers) waits out the group's deregistration delay, as ECS does, so requests in flight
 * finish. It follows task changes, so it works the same for scheduler stops, StopTask, a container that
 * exits and tasks adopted after a restart. It talks to ELBv2 only through that provider's `handle`, with
 * the API's own shapes.
 */
export class TargetRegistrar {
  private readonly applied = new Map<string, Applied>();
  /** Per task, the ELBv2 calls in flight: they run in order, so a deregistration never overtakes. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Tasks whose target is unhealthy, by task ARN: the target group it fails in. */
  private readonly failing = new Map<string, string>();
  /** Tasks each of whose targets has been seen serving (healthy). */
  private readonly serving = new Set<string>();
  /** Drain waits in progress, ended early by `close`. */
  private readonly waits = new Set<() => void>();
  private healthTimer?: NodeJS.Timeout;
  private checking = false;
  private closed = false;
  private warnedMissing = false;

  constructor(private readonly options: TargetRegistrarOptions) {}

  /** The target group a task's target is unhealthy in, if any: the scheduler replaces such a task. */
  failingTargetGroup(taskArn: string): string | undefined {
    return this.failing.get(taskArn);
  }

  /**
   * Whether a task's targets serve: true for a task whose service has no load balancers; else once each of
   * its targets has been seen healthy (`unused` when no listener forwards to the group, `unavailable`
   * when its health checks are off).
   */
  targetsHealthy(task: TaskRecord): boolean {
    if ((this.options.serviceOf(task)?.loadBalancers ?? []).length === 0) return true;
    return this.serving.has(task.taskArn);
  }

  /** On shutdown: stop reading health, and stop waiting out drains (tasks keep running, re-adopted later). */
  close(): void {
    this.closed = true;
    clearInterval(this.healthTimer);
    for (const end of this.waits) end();
    this.waits.clear();
  }

  /** A task changed: bring its target registrations in line with its state. */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    const previous = this.applied.get(task.taskArn);
    const service = this.options.serviceOf(task);
    const loadBalancers = service?.loadBalancers ?? [];
    if (loadBalancers.length === 0 && !previous) return;

    if (service && loadBalancers.length > 0 && shouldBeTargets(task)) {
      const { targets, skipped } = targetsOf(task, loadBalancers, service.host);
      if (skipped.length > 0 && !previous) {
        this.options.logger.warn('loadBalancers: task not registered in some target groups (no such container port)', {
          taskArn: task.taskArn,
          skipped,
        });
      }
      const signature = JSON.stringify(targets);
      if (previous?.registered && previous.signature === signature) return;
      this.applied.set(task.taskArn, { registered: true, signature, targets });
      this.enqueue(task.taskArn, () => this.register(task, service.serviceName, targets));
      this.followHealth();
      return;
    }
    if (previous && !previous.registered) {
      if (task.lastStatus === 'STOPPED') this.applied.delete(task.taskArn);
      return;
    }
    this.failing.delete(task.taskArn);
    this.serving.delete(task.taskArn);
    // Registered by this process, or perhaps by the last one (a restart): take it out of rotation.
    const targets = previous?.targets ?? (service ? targetsOf(task, loadBalancers, service.host).targets : []);
    const entry: Applied = { registered: false, targets: [] };
    this.applied.set(task.taskArn, entry);
    this.enqueue(task.taskArn, () => this.deregister(task, service?.serviceName, targets, entry));
    if (task.lastStatus === 'STOPPED') this.applied.delete(task.taskArn);
  }

  /**
   * Before a task's containers are stopped: resolves once its targets are deregistered and have drained
   * (the target groups' `deregistration_delay.timeout_seconds`).
   */
  async drain(ref: TaskRef): Promise<void> {
    await this.queues.get(ref.taskArn);
    const drainedAt = this.applied.get(ref.taskArn)?.drainedAt;
    const wait = drainedAt === undefined ? 0 : drainedAt - Date.now();
    if (wait > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const end = () => (clearTimeout(timer), this.waits.delete(end), resolve());
        const timer = setTimeout(end, wait);
        this.waits.add(end);
      });
    }
  }

  /** Reads the health of registered targets while there are any. */
  private followHealth(): void {
    if (this.healthTimer || this.closed) return;
    this.healthTimer = setInterval(() => void this.checkHealth(), this.options.healthPollMs ?? 1000);
    this.healthTimer.unref();
  }

  private async checkHealth(): Promise<void> {
    if (this.checking) return;
    const registered = [...this.applied].filter(([, a]) => a.registered && a.targets.length > 0);
    if (registered.length === 0) {
      clearInterval(this.healthTimer);
      this.healthTimer = undefined;
      return;
    }
    this.checking = true;
    let changed = false;
    try {
      for (const [taskArn, applied] of registered) {
        let serving = true;
        for (const target of applied.targets) {
          if (this.failing.has(taskArn)) break;
          const state = await this.stateOf(target).catch(() => undefined);
          if (!SERVING.has(state ?? '')) serving = false;
          // Still registered (not deregistered meanwhile) and unhealthy: ECS replaces the task.
          if (state === 'unhealthy' && this.applied.get(taskArn)?.registered) {
            this.failing.set(taskArn, target.targetGroupArn);
            changed = true;
          }
        }
        if (serving && !this.failing.has(taskArn) && this.applied.get(taskArn)?.registered) {
          if (!this.serving.has(taskArn)) changed = true;
          this.serving.add(taskArn);
        }
      }
    } finally {
      this.checking = false;
    }
    if (changed) this.options.onHealthChanged();
  }

  /** The target's state; `unused` only when no listener uses its group (not when it is not registered yet). */
  private async stateOf(target: TaskTarget): Promise<string | undefined> {
    const health = (await this.call(target, 'DescribeTargetHealth', {
      TargetGroupArn: target.targetGroupArn,
      Targets: [{ Id: target.id, Port: target.port }],
    })) as { TargetHealthDescriptions?: { TargetHealth?: { State?: string; Reason?: string } }[] } | undefined;
    const state = health?.TargetHealthDescriptions?.[0]?.TargetHealth;
    return state?.Reason === 'Target.NotRegistered' ? 'unregistered' : state?.State;
  }

  /** Resolves when every ELBv2 call queued so far has been made. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private enqueue(taskArn: string, work: () => Promise<void>): void {
    const next = (this.queues.get(taskArn) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      this.options.logger.warn('load balancer target registration failed', { taskArn, error: String(error) });
    });
    this.queues.set(taskArn, next);
    void next.finally(() => {
      if (this.queues.get(taskArn) === next) this.queues.delete(taskArn);
    });
  }

  private async register(task: TaskRecord, serviceName: string, targets: readonly TaskTarget[]): Promise<void> {
    for (const target of targets) {
      await this.call(target, 'RegisterTargets', {
        TargetGroupArn: target.targetGroupArn,
        Targets: [{ Id: target.id, Port: target.port }],
      });
      this.options.event(task, targetEventMessages.registered(serviceName, 1, target.targetGroupArn));
    }
  }

  private async deregister(
    task: TaskRecord,
    serviceName: string | undefined,
    targets: readonly TaskTarget[],
    entry: Applied,
  ): Promise<void> {
    let drainSeconds = 0;
    for (const target of targets) {
      try {
        await this.call(target, 'DeregisterTargets', {
          TargetGroupArn: target.targetGroupArn,
          Targets: [{ Id: target.id, Port: target.port }],
        });
      } catch (error) {
        // Already gone (deregistered before a restart, or the group was deleted): nothing to undo.
        const code = (error as { code?: string }).code;
        if (code !== 'InvalidTarget' && code !== 'TargetGroupNotFound') throw error;
        continue;
      }
      if (serviceName) {
        this.options.event(task, targetEventMessages.deregistered(serviceName, 1, target.targetGroupArn));
      }
      drainSeconds = Math.max(drainSeconds, await this.drainSeconds(target));
    }
    if (drainSeconds > 0) entry.drainedAt = Date.now() + drainSeconds * 1000;
  }

  /** How long the target drains: the group's delay while it is `draining`, else nothing. */
  private async drainSeconds(target: TaskTarget): Promise<number> {
    if ((await this.stateOf(target)) !== 'draining') return 0;
    const attributes = (await this.call(target, 'DescribeTargetGroupAttributes', {
      TargetGroupArn: target.targetGroupArn,
    })) as { Attributes?: { Key?: string; Value?: string }[] } | undefined;
    const delay = attributes?.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    return Number(delay ?? 300);
  }

  private async call(target: TaskTarget, operation: string, input: object): Promise<unknown> {
    const elb = await this.options.elb();
    if (!elb) {
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        this.options.logger.warn(
          'a service has loadBalancers, but Elastic Load Balancing is not enabled in localcloud (add "elasticloadbalancing" to SERVICES)',
        );
      }
      return undefined;
    }
    const context: RequestContext = {
      requestId: `ecs-load-balancer-${target.id}`,
      service: 'elasticloadbalancing',
      operation,
      region: target.region,
      accountId: target.accountId,
    };
    return elb.handle(operation, input, context);
  }
}
