import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
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
  /** How long to wait before retrying a failed deregistration (`attempt` from 1; default 1 s doubling to 30 s). */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Where deregistrations still to be made are kept, so they survive a restart (with `PERSISTENCE=1`): the
   * task may be STOPPED by then, and a stopped task is not followed again. `resume` takes them up.
   */
  readonly leftBehind?: DurableTable<TargetsLeftBehind>;
}

/** A task's targets whose deregistration failed and is being retried. */
export interface TargetsLeftBehind {
  readonly taskArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly targets: readonly TaskTarget[];
}

interface Applied {
  /** Whether the task should be in its target groups (as of its last sync). */
  registered: boolean;
  /** The targets that took effect in ELBv2 (registered and not deregistered since). */
  targets: TaskTarget[];
  /** When the targets deregistered last finish draining (epoch ms). */
  drainedAt?: number;
}

/** One target's place in ELBv2: the same key registered again is the same target. */
const targetKey = (t: TaskTarget) => `${t.targetGroupArn}|${t.id}|${t.port}`;

const defaultRetryDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));

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
 *
 * A change only marks the task for a sync; the sync, when its turn comes (one at a time per task, so a
 * deregistration never overtakes), reads the task as it is then and diffs the targets it should have
 * against those that took effect. So a task stopped while its registration waited is never registered
 * afterwards. A deregistration that fails (other than the target or its group being gone) is retried with
 * backoff until it succeeds, and stored in `leftBehind` so the next process makes it after a restart.
 */
export class TargetRegistrar {
  /** Per task: whether it should serve and which targets it has in ELBv2. No entry: unknown (not followed yet). */
  private readonly applied = new Map<string, Applied>();
  /** Per task, the sync in flight or queued: they run in order, so a deregistration never overtakes. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Tasks whose sync is queued and not started yet: a change meanwhile needs no second one. */
  private readonly pending = new Set<string>();
  /** Deregistration retries waiting, by task ARN, with the attempt they are. */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
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

  /**
   * On shutdown: stop reading health, and stop waiting out drains (tasks keep running, re-adopted later);
   * retries waiting are dropped here, those stored in `leftBehind` are resumed at the next start.
   */
  close(): void {
    this.closed = true;
    clearInterval(this.healthTimer);
    for (const end of this.waits) end();
    this.waits.clear();
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  /** Deregistration retries still waiting for their time (how many tasks). */
  get retrying(): number {
    return this.retries.size;
  }

  /** After a restart: retries the deregistrations the last process left (its targets as it knew them). */
  resume(): void {
    for (const entry of [...(this.options.leftBehind?.values() ?? [])]) {
      if (this.applied.has(entry.taskArn)) continue;
      this.applied.set(entry.taskArn, { registered: false, targets: [...entry.targets] });
      this.schedule({ accountId: entry.accountId, region: entry.region, taskArn: entry.taskArn }, 0);
    }
  }

  /** A task changed: bring its target registrations in line with its state (when its turn comes). */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    const known = this.applied.get(task.taskArn);
    const service = this.options.serviceOf(task);
    if ((service?.loadBalancers ?? []).length === 0 && !known) return;
    if (!shouldBeTargets(task)) {
      // Out of rotation at once for the scheduler, whatever the ELBv2 calls still queued.
      this.failing.delete(task.taskArn);
      this.serving.delete(task.taskArn);
    }
    this.schedule({ accountId: task.accountId, region: task.region, taskArn: task.taskArn }, 0);
  }

  private schedule(ref: TaskRef, attempt: number): void {
    const { taskArn } = ref;
    if (this.pending.has(taskArn)) return;
    const waiting = this.retries.get(taskArn);
    if (waiting) clearTimeout(waiting.timer);
    this.retries.delete(taskArn);
    this.pending.add(taskArn);
    const next = (this.queues.get(taskArn) ?? Promise.resolve())
      .then(() => {
        this.pending.delete(taskArn);
        return this.sync(ref, Math.max(attempt, waiting?.attempt ?? 0));
      })
      .catch((error: unknown) => {
        this.options.logger.warn('load balancer target registration failed', { taskArn, error: String(error) });
      });
    this.queues.set(taskArn, next);
    void next.finally(() => {
      if (this.queues.get(taskArn) === next) this.queues.delete(taskArn);
    });
  }

  /** Reads the task now and makes ELBv2 hold the targets it should; retries deregistrations that fail. */
  private async sync(ref: TaskRef, attempt: number): Promise<void> {
    const task = this.options.get(ref);
    const service = task && this.options.serviceOf(task);
    const loadBalancers = service?.loadBalancers ?? [];
    const wanted: TaskTarget[] = [];
    const registered = Boolean(task && service && loadBalancers.length > 0 && shouldBeTargets(task));
    const known = this.applied.get(ref.taskArn);
    if (registered) {
      const { targets, skipped } = targetsOf(task!, loadBalancers, service!.host);
      if (skipped.length > 0 && !known?.registered) {
        this.options.logger.warn('loadBalancers: task not registered in some target groups (no such container port)', {
          taskArn: ref.taskArn,
          skipped,
        });
      }
      wanted.push(...targets);
    }
    // Registered by this process, or perhaps by the last one (a restart): what it may be in now.
    const entry: Applied = known ?? {
      registered: false,
      targets: task && service && !registered ? targetsOf(task, loadBalancers, service.host).targets : [],
    };
    entry.registered = registered;
    this.applied.set(ref.taskArn, entry);
    const held = new Set(entry.targets.map(targetKey));
    const now = new Set(wanted.map(targetKey));
    const joining = wanted.filter((t) => !held.has(targetKey(t)));
    const leaving = entry.targets.filter((t) => !now.has(targetKey(t)));
    if (joining.length > 0) {
      const joined = await this.register(task!, service!.serviceName, joining);
      entry.targets.push(...joined);
      this.followHealth();
    }
    if (leaving.length > 0) {
      const left = await this.deregister(task, service?.serviceName, leaving, entry);
      const gone = new Set(left.map(targetKey));
      entry.targets = entry.targets.filter((t) => !gone.has(targetKey(t)));
      const remaining = leaving.filter((t) => !gone.has(targetKey(t)));
      this.remember(ref, remaining);
      if (remaining.length > 0 && !this.closed) {
        // Still in a group it must leave: try again later, until it is out or the group is gone.
        const delay = (this.options.retryDelayMs ?? defaultRetryDelay)(attempt + 1);
        const timer = setTimeout(() => {
          this.retries.delete(ref.taskArn);
          this.schedule(ref, attempt + 1);
        }, delay);
        timer.unref();
        this.retries.set(ref.taskArn, { timer, attempt: attempt + 1 });
      }
    }
    // Kept while the task lives, even empty: drain reads it, and a task known to be out needs no call.
    const stopped = !task || task.lastStatus === 'STOPPED';
    if (stopped && entry.targets.length === 0 && !this.retries.has(ref.taskArn)) this.applied.delete(ref.taskArn);
  }

  /** Stores (or forgets) the targets a task still has to leave, for `resume` after a restart. */
  private remember(ref: TaskRef, targets: readonly TaskTarget[]): void {
    const table = this.options.leftBehind;
    if (!table) return;
    if (targets.length === 0) {
      if (table.has(ref.taskArn)) table.delete(ref.taskArn);
      return;
    }
    table.put(ref.taskArn, { taskArn: ref.taskArn, accountId: ref.accountId, region: ref.region, targets });
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

  /** Registers each target on its own; answers those that were (a failed one is tried at the next change). */
  private async register(task: TaskRecord, serviceName: string, targets: readonly TaskTarget[]): Promise<TaskTarget[]> {
    const done: TaskTarget[] = [];
    for (const target of targets) {
      try {
        await this.call(target, 'RegisterTargets', {
          TargetGroupArn: target.targetGroupArn,
          Targets: [{ Id: target.id, Port: target.port }],
        });
      } catch (error) {
        this.failed('RegisterTargets', task.taskArn, target, error);
        continue;
      }
      done.push(target);
      this.options.event(task, targetEventMessages.registered(serviceName, 1, target.targetGroupArn));
    }
    return done;
  }

  /** Deregisters each target on its own; answers those that are out of ELBv2 now. */
  private async deregister(
    task: TaskRecord | undefined,
    serviceName: string | undefined,
    targets: readonly TaskTarget[],
    entry: Applied,
  ): Promise<TaskTarget[]> {
    const done: TaskTarget[] = [];
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
        if (code === 'InvalidTarget' || code === 'TargetGroupNotFound') done.push(target);
        else this.failed('DeregisterTargets', task?.taskArn, target, error);
        continue;
      }
      done.push(target);
      if (serviceName && task) {
        this.options.event(task, targetEventMessages.deregistered(serviceName, 1, target.targetGroupArn));
      }
      drainSeconds = Math.max(drainSeconds, await this.drainSeconds(target).catch(() => 0));
    }
    if (drainSeconds > 0) entry.drainedAt = Date.now() + drainSeconds * 1000;
    return done;
  }

  private failed(operation: string, taskArn: string | undefined, target: TaskTarget, error: unknown): void {
    this.options.logger.warn('load balancer target registration failed', {
      operation,
      taskArn,
      targetGroupArn: target.targetGroupArn,
      error: String(error),
    });
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
