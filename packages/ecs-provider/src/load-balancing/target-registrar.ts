import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
import { deregistrationVerdict, ProviderMissingError } from '../registration/deregistration-errors';
import { FailingSince, type GiveUpOptions } from '../registration/failing-since';
import { holdingsOf, writeHoldings, type HoldingsStore } from '../registration/task-holdings';
import { TaskSyncQueue, type SyncOutcome } from '../registration/task-sync-queue';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { shouldBeTargets, targetsOf, type TaskHost, type TaskTarget } from './targets';

/** The ECS service a task belongs to, with its `loadBalancers`. */
export interface TargetService {
  readonly serviceName: string;
  readonly loadBalancers: readonly LoadBalancer[];
  /** Where a bridge or host task runs (its instance's EC2 id, its network mode). */
  readonly host?: TaskHost;
}

/** `get` and `put` of the task records, which keep the targets each task may be in (its holdings). */
export interface TargetRegistrarOptions extends HoldingsStore, GiveUpOptions {
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
  /** Targets still to leave. */
  readonly targets: readonly TaskTarget[];
  /** Every target the task was in, on records written before holdings were kept on the task's record. */
  readonly holds?: readonly TaskTarget[];
  /** When their deregistration first failed (epoch ms): given up `giveUpAfterMs` later, restarts or not. */
  readonly failingSince?: number;
}

interface Applied {
  /** Whether the task should be in its target groups (as of its last sync). */
  registered: boolean;
  /** The targets that took effect in ELBv2 (registered and not deregistered since). */
  targets: TaskTarget[];
  /** When the targets deregistered last finish draining (epoch ms). */
  drainedAt?: number;
  /** Restored from the last process's records: the targets it should hold are registered again, to be sure. */
  restored?: boolean;
}

/** One target's place in ELBv2: the same key registered again is the same target. */
const targetKey = (t: TaskTarget) => `${t.targetGroupArn}|${t.id}|${t.port}`;

/** Errors of DeregisterTargets that say the target is out already. */
const GONE = new Set(['InvalidTarget', 'TargetGroupNotFound']);

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
 * afterwards. A deregistration that fails is retried with backoff and stored in `leftBehind` so the next
 * process makes it after a restart, unless the error is final (registration/deregistration-errors.ts).
 */
export class TargetRegistrar {
  /** Per task: whether it should serve and which targets it has in ELBv2. No entry: unknown (not followed yet). */
  private readonly applied = new Map<string, Applied>();
  /** Per task, its syncs in order (so a deregistration never overtakes), and the retries waiting. */
  private readonly queue: TaskSyncQueue;
  /** Tasks whose target is unhealthy, by task ARN: the target group it fails in. */
  private readonly failing = new Map<string, string>();
  /** Tasks each of whose targets has been seen serving (healthy). */
  private readonly serving = new Set<string>();
  /** Drain waits in progress, ended early by `close`. */
  private readonly waits = new Set<() => void>();
  private healthTimer?: NodeJS.Timeout;
  private checking = false;
  /** Set by `stopDraining`: drains no longer wait (the process is stopping, the tasks keep running). */
  private stopping = false;
  private warnedMissing = false;
  /** When each task's deregistration began failing (given up a fixed time after). */
  private readonly failingSince: FailingSince;

  constructor(private readonly options: TargetRegistrarOptions) {
    this.queue = new TaskSyncQueue({
      run: (ref) => this.sync(ref),
      failed: (ref, error) =>
        options.logger.warn('load balancer target registration failed', { taskArn: ref.taskArn, error: String(error) }),
      retryDelayMs: options.retryDelayMs,
    });
    this.failingSince = new FailingSince(options);
  }

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
   * First on shutdown: stop reading health and waiting out drains (tasks keep running, re-adopted later).
   * Changes still sync (tasks stopped meanwhile are deregistered, or stored): `idle`, then `close`.
   */
  stopDraining(): void {
    this.stopping = true;
    clearInterval(this.healthTimer);
    this.healthTimer = undefined;
    for (const end of this.waits) end();
    this.waits.clear();
  }

  /** Last on shutdown: retries waiting are dropped here, those stored in `leftBehind` are resumed at the next start. */
  close(): void {
    this.stopDraining();
    this.queue.close();
  }

  /** Deregistration retries still waiting for their time (how many tasks). */
  get retrying(): number {
    return this.queue.retrying;
  }

  /** After a restart: retries the deregistrations the last process left (its targets as it knew them). */
  resume(): void {
    for (const entry of [...(this.options.leftBehind?.values() ?? [])]) {
      if (this.applied.has(entry.taskArn)) continue;
      // What its record holds too (the record may be forgotten by now: then what was left to leave).
      const stored = holdingsOf(this.options.get(entry), 'targets') ?? [];
      const targets = new Map([...stored, ...(entry.holds ?? entry.targets)].map((t) => [targetKey(t), t]));
      this.applied.set(entry.taskArn, { registered: false, targets: [...targets.values()], restored: true });
      this.failingSince.restore(entry.taskArn, entry.failingSince);
      this.queue.schedule({ accountId: entry.accountId, region: entry.region, taskArn: entry.taskArn });
    }
  }

  /** A task changed: bring its target registrations in line with its state (when its turn comes). */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    const known = this.applied.get(task.taskArn);
    const service = this.options.serviceOf(task);
    const holds = (holdingsOf(task, 'targets') ?? []).length > 0;
    if ((service?.loadBalancers ?? []).length === 0 && !known && !holds) return;
    if (!shouldBeTargets(task)) {
      // Out of rotation at once for the scheduler, whatever the ELBv2 calls still queued.
      this.failing.delete(task.taskArn);
      this.serving.delete(task.taskArn);
    }
    this.queue.schedule({ accountId: task.accountId, region: task.region, taskArn: task.taskArn });
  }

  /** Reads the task now and makes ELBv2 hold the targets it should; asks a retry of deregistrations that fail. */
  private async sync(ref: TaskRef): Promise<SyncOutcome> {
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
    // Registered by this process; else (a restart) what the task's record holds, whatever its deployment
    // says now (a deleted task set's groups are nowhere else); a record older than holdings: its own.
    const stored = holdingsOf(task, 'targets');
    const entry: Applied = known ?? {
      registered: false,
      targets: stored
        ? [...stored]
        : task && service && !registered
          ? targetsOf(task, loadBalancers, service.host).targets
          : [],
      restored: stored !== undefined,
    };
    entry.registered = registered;
    this.applied.set(ref.taskArn, entry);
    const held = new Set(entry.targets.map(targetKey));
    const now = new Set(wanted.map(targetKey));
    // A restored task is registered again as it was before the record existed (RegisterTargets is idempotent).
    const joining = wanted.filter((t) => entry.restored || !held.has(targetKey(t)));
    entry.restored = false;
    const leaving = entry.targets.filter((t) => !now.has(targetKey(t)));
    if (joining.length > 0) {
      // Held on the record before any call, so no crash between the call and the record can lose it.
      await this.hold(ref, [...entry.targets, ...joining], { durable: true });
      const joined = await this.register(task!, service!.serviceName, joining);
      entry.targets.push(...joined.filter((t) => !held.has(targetKey(t))));
    }
    if (registered && entry.targets.length > 0) this.followHealth();
    let retry = false;
    let remaining: TaskTarget[] = [];
    if (leaving.length > 0) {
      const { out, retrying } = await this.deregister(task, ref.taskArn, service?.serviceName, leaving, entry);
      const gone = new Set(out.map(targetKey));
      entry.targets = entry.targets.filter((t) => !gone.has(targetKey(t)));
      remaining = leaving.filter((t) => !gone.has(targetKey(t)));
      // Still in a group it must leave: try again later, until it is out, the group is gone or its time is
      // up (from the first failure).
      retry = retrying;
    }
    if (remaining.length === 0) this.failingSince.clear(ref.taskArn);
    if (retry && this.failingSince.failed(ref.taskArn)) {
      this.giveUpOn(ref, entry, remaining);
      remaining = [];
      retry = false;
    }
    // On every sync, so a record never outlives what it says (a target left to leave that is wanted again).
    this.remember(ref, remaining);
    await this.hold(ref, entry.targets);
    // Kept while the task lives, even empty: drain reads it, and a task known to be out needs no call.
    const stopped = !task || task.lastStatus === 'STOPPED';
    if (stopped && entry.targets.length === 0 && !retry) this.applied.delete(ref.taskArn);
    return { retry };
  }

  /** Its time is up: the targets stay in ELBv2, forgotten here and on the task's record (logged at error). */
  private giveUpOn(ref: TaskRef, entry: Applied, dropped: readonly TaskTarget[]): void {
    this.options.logger.error('load balancer target deregistration given up', {
      taskArn: ref.taskArn,
      failingSince: new Date(this.failingSince.of(ref.taskArn)!).toISOString(),
      targetGroupArns: dropped.map((t) => t.targetGroupArn),
    });
    this.failingSince.clear(ref.taskArn);
    const keys = new Set(dropped.map(targetKey));
    entry.targets = entry.targets.filter((t) => !keys.has(targetKey(t)));
  }

  /** Keeps on the task's record the targets it may be in (one per key). */
  private async hold(ref: TaskRef, targets: readonly TaskTarget[], options?: { durable?: boolean }) {
    const unique = new Map(targets.map((t) => [targetKey(t), t]));
    await writeHoldings(this.options, ref, 'targets', [...unique.values()], options);
  }

  /** Stores (or forgets) the targets a task still has to leave, for `resume` after a restart. */
  private remember(ref: TaskRef, targets: readonly TaskTarget[]): void {
    const table = this.options.leftBehind;
    if (!table) return;
    if (targets.length === 0) {
      if (table.has(ref.taskArn)) table.delete(ref.taskArn);
      return;
    }
    const { accountId, region, taskArn } = ref;
    const record = { taskArn, accountId, region, targets: [...targets], failingSince: this.failingSince.of(taskArn) };
    // Written only when it changes: a retry that fails again leaves it as it was.
    if (JSON.stringify(table.get(ref.taskArn)) === JSON.stringify(record)) return;
    table.put(ref.taskArn, record);
  }

  /**
   * Before a task's containers are stopped: resolves once its targets are deregistered and have drained
   * (the target groups' `deregistration_delay.timeout_seconds`).
   */
  async drain(ref: TaskRef): Promise<void> {
    await this.queue.settled(ref.taskArn);
    const drainedAt = this.applied.get(ref.taskArn)?.drainedAt;
    const wait = drainedAt === undefined ? 0 : drainedAt - Date.now();
    if (wait > 0 && !this.stopping) {
      await new Promise<void>((resolve) => {
        const end = () => (clearTimeout(timer), this.waits.delete(end), resolve());
        const timer = setTimeout(end, wait);
        this.waits.add(end);
      });
    }
  }

  /** Reads the health of registered targets while there are any. */
  private followHealth(): void {
    if (this.healthTimer || this.stopping) return;
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
    await this.queue.idle();
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
        if (!(error instanceof ProviderMissingError)) this.failed('RegisterTargets', task.taskArn, target, error);
        continue;
      }
      done.push(target);
      this.options.event(task, targetEventMessages.registered(serviceName, 1, target.targetGroupArn));
    }
    return done;
  }

  /**
   * Deregisters each target on its own; answers those that are out of ELBv2 now (or given up, on a final
   * error), and whether any of the others is worth a retry (not while ELBv2 is not enabled: kept for later).
   */
  private async deregister(
    task: TaskRecord | undefined,
    taskArn: string,
    serviceName: string | undefined,
    targets: readonly TaskTarget[],
    entry: Applied,
  ): Promise<{ out: TaskTarget[]; retrying: boolean }> {
    const done: TaskTarget[] = [];
    let retrying = false;
    let drainSeconds = 0;
    for (const target of targets) {
      try {
        await this.call(target, 'DeregisterTargets', {
          TargetGroupArn: target.targetGroupArn,
          Targets: [{ Id: target.id, Port: target.port }],
        });
      } catch (error) {
        const verdict = deregistrationVerdict(error, GONE);
        // Already gone (the group was deleted; a target no longer registered is a success in ELBv2): nothing to undo.
        if (verdict === 'gone') done.push(target);
        if (verdict === 'final') {
          done.push(target);
          this.options.logger.error('load balancer target deregistration failed for good; given up', {
            taskArn,
            targetGroupArn: target.targetGroupArn,
            error: String(error),
          });
        }
        if (verdict === 'retry') {
          retrying = true;
          this.failed('DeregisterTargets', taskArn, target, error);
        }
        continue;
      }
      done.push(target);
      if (serviceName && task) {
        this.options.event(task, targetEventMessages.deregistered(serviceName, 1, target.targetGroupArn));
      }
      drainSeconds = Math.max(drainSeconds, await this.drainSeconds(target).catch(() => 0));
    }
    if (drainSeconds > 0) entry.drainedAt = Date.now() + drainSeconds * 1000;
    return { out: done, retrying };
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
      throw new ProviderMissingError('elasticloadbalancing');
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
