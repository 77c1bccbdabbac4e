import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
import { deregistrationVerdict, ProviderMissingError } from '../registration/deregistration-errors';
import { FailingSince, type GiveUpOptions } from '../registration/failing-since';
import { holdingsOf, writeHoldings, type HoldingsStore } from '../registration/task-holdings';
import { TaskSyncQueue, type SyncOutcome } from '../registration/task-sync-queue';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { instancesOf, shouldBeRegistered, type CloudMapInstance } from './registration';

/** The ECS service a task belongs to, with its `serviceRegistries`. */
export interface TaskService {
  readonly serviceName: string;
  readonly clusterName: string;
  readonly serviceRegistries: readonly ServiceRegistry[];
}

/** `get` and `put` of the task records, which keep the instances each task may be in (its holdings). */
export interface ServiceRegistrarOptions extends HoldingsStore, GiveUpOptions {
  readonly serviceOf: (task: TaskRecord) => TaskService | undefined;
  /** The Cloud Map provider, looked up when needed (providers are created one after another). */
  readonly cloudMap: () => Promise<ServiceProvider | undefined>;
  readonly logger: Logger;
  /** How long to wait before retrying a failed deregistration (`attempt` from 1; default 1 s doubling to 30 s). */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Where deregistrations still to be made are kept, so they survive a restart (with `PERSISTENCE=1`): the
   * task may be STOPPED by then, and a stopped task is not followed again. `resume` takes them up.
   */
  readonly leftBehind?: DurableTable<LeftBehind>;
}

/** A task's Cloud Map instances whose deregistration failed and is being retried. */
export interface LeftBehind {
  readonly taskArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly instances: readonly CloudMapInstance[];
  /** When their deregistration first failed (epoch ms): given up `giveUpAfterMs` later, restarts or not. */
  readonly failingSince?: number;
}

/** One instance's place in Cloud Map: the same key registered again replaces it. */
const instanceKey = (i: CloudMapInstance) => `${i.accountId}/${i.region}/${i.serviceId}/${i.instanceId}`;

/** Errors of DeregisterInstance that say the instance is out already. */
const GONE = new Set(['InstanceNotFound', 'ServiceNotFound']);

/**
 * ECS's side of `serviceRegistries`: each task of such a service is registered in its Cloud Map services
 * (instance id = task id, address and port as ECS gives them) while it is RUNNING and healthy, and
 * deregistered as soon as it stops being so, before its containers are stopped. It follows task
 * changes, so it works the same for scheduler stops, StopTask, a container killed outside localcloud
 * and tasks adopted after a restart. It talks to Cloud Map only through that provider's `handle`, with
 * the API's own shapes.
 *
 * A change only marks the task for a sync; the sync, when its turn comes (one at a time per task, so a
 * deregistration never overtakes), reads the task as it is then and diffs what it should be registered as
 * against what took effect in Cloud Map. So a task stopped while its registration waited is never
 * registered afterwards, and several changes queued behind a slow call come to one sync. A deregistration
 * that fails is retried with backoff (and stored for the next process) unless its error is final
 * (registration/deregistration-errors.ts); a registration that fails is tried again at the task's next change.
 */
export class ServiceRegistrar {
  /**
   * Per task, what took effect in Cloud Map (instance key → instance). No entry: unknown (not followed
   * since this process started), so a task that should be out is deregistered from its registries anyway.
   */
  private readonly held = new Map<string, Map<string, CloudMapInstance>>();
  /** When each task's deregistration began failing (given up a fixed time after). */
  private readonly failing: FailingSince;
  /** Per task, its syncs in order, and the retries waiting. */
  private readonly queue: TaskSyncQueue;
  private warnedMissing = false;

  constructor(private readonly options: ServiceRegistrarOptions) {
    this.queue = new TaskSyncQueue({
      run: (ref) => this.sync(ref),
      failed: (ref, error) =>
        options.logger.warn('Cloud Map registration failed', { taskArn: ref.taskArn, error: String(error) }),
      retryDelayMs: options.retryDelayMs,
    });
    this.failing = new FailingSince(options);
  }

  /** A task changed: bring its Cloud Map registrations in line with its state (when its turn comes). */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    const followed = this.held.has(task.taskArn) || (holdingsOf(task, 'cloudMap') ?? []).length > 0;
    if (!followed && (this.options.serviceOf(task)?.serviceRegistries ?? []).length === 0) return;
    this.queue.schedule({ accountId: task.accountId, region: task.region, taskArn: task.taskArn });
  }

  /** Resolves when every Cloud Map call queued so far has been made (retries waiting for their time excepted). */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  /** Deregistration retries still waiting for their time (how many tasks). */
  get retrying(): number {
    return this.queue.retrying;
  }

  /** After a restart: retries the deregistrations the last process left (with their instances as it knew them). */
  resume(): void {
    for (const entry of [...(this.options.leftBehind?.values() ?? [])]) {
      if (this.held.has(entry.taskArn)) continue;
      // What its record holds too (the record may be forgotten by now: then what was left to leave).
      const stored = holdingsOf(this.options.get(entry), 'cloudMap') ?? [];
      this.held.set(entry.taskArn, new Map([...stored, ...entry.instances].map((i) => [instanceKey(i), i])));
      this.failing.restore(entry.taskArn, entry.failingSince);
      this.queue.schedule({ accountId: entry.accountId, region: entry.region, taskArn: entry.taskArn });
    }
  }

  /** On shutdown: retries waiting are dropped here; those stored in `leftBehind` are resumed at the next start. */
  close(): void {
    this.queue.close();
  }

  /** Reads the task now and makes Cloud Map hold what it should; asks a retry of deregistrations that fail. */
  private async sync(ref: TaskRef): Promise<SyncOutcome> {
    const task = this.options.get(ref);
    const service = task && this.options.serviceOf(task);
    const registries = service?.serviceRegistries ?? [];
    const wanted: CloudMapInstance[] = [];
    if (task && service && registries.length > 0 && shouldBeRegistered(task)) {
      const { instances, invalid } = instancesOf(task, registries, service);
      for (const arn of invalid) {
        this.options.logger.warn('serviceRegistries: not a Cloud Map service ARN', { registryArn: arn });
      }
      wanted.push(...instances);
    }
    // Registered by this process; else (a restart) what the task's record holds, whatever its deployment
    // says now (a deleted task set's registries are nowhere else); a record older than holdings: its own.
    const known = this.held.get(ref.taskArn);
    const stored = holdingsOf(task, 'cloudMap');
    const derived = () =>
      task && service && wanted.length === 0 ? instancesOf(task, registries, service).instances : [];
    const held = known ?? new Map((stored ?? derived()).map((i) => [instanceKey(i), i]));
    // A diff against what the task is registered as: it joins (or updates) the registries it is in now and
    // leaves those it no longer is in, so a change of its registries never leaves it behind. Not followed
    // by this process yet: it registers again in all it should be in (the same instance is replaced).
    const joining = wanted.filter((i) => !known || JSON.stringify(held.get(instanceKey(i))) !== JSON.stringify(i));
    // Held on the record before any call, so no crash between the call and the record can lose it.
    if (joining.length > 0) await this.hold(ref, [...held.values(), ...joining], { durable: true });
    const now = new Set(wanted.map(instanceKey));
    const leaving = [...held.values()].filter((i) => !now.has(instanceKey(i)));
    // Each half per instance, so a failed join (say, its Cloud Map service was deleted) never keeps the task
    // in the registries it left, and DNS stops answering it there. Only what took effect is recorded.
    for (const i of await this.register(joining)) held.set(instanceKey(i), i);
    const { out, retrying } = await this.deregister(ref.taskArn, leaving);
    for (const i of out) held.delete(instanceKey(i));
    const stopped = !task || task.lastStatus === 'STOPPED';
    // Kept while the task lives, even empty: a task known to be out needs no deregistration at each change.
    if (held.size === 0 && stopped) this.held.delete(ref.taskArn);
    else this.held.set(ref.taskArn, held);
    await this.hold(ref, [...held.values()]);
    // Still in a registry it must leave (kept while Cloud Map is not enabled, too): stored on every sync.
    const remaining = [...held.values()].filter((i) => !now.has(instanceKey(i)));
    if (remaining.length === 0) this.failing.clear(ref.taskArn);
    // Retried later, until it is out, the registry is gone or its time is up (from the first failure).
    if (retrying && this.failing.failed(ref.taskArn)) {
      await this.giveUp(ref, held, remaining);
      return { retry: false };
    }
    this.remember(ref, remaining);
    return { retry: retrying };
  }

  /** Its time is up: the instances stay in Cloud Map, forgotten here and on the task's record (logged at error). */
  private async giveUp(ref: TaskRef, held: Map<string, CloudMapInstance>, dropped: CloudMapInstance[]) {
    this.options.logger.error('Cloud Map deregistration given up', {
      taskArn: ref.taskArn,
      failingSince: new Date(this.failing.of(ref.taskArn)!).toISOString(),
      serviceIds: dropped.map((i) => i.serviceId),
    });
    this.failing.clear(ref.taskArn);
    for (const i of dropped) held.delete(instanceKey(i));
    this.remember(ref, []);
    await this.hold(ref, [...held.values()]);
    const task = this.options.get(ref);
    if (held.size === 0 && (!task || task.lastStatus === 'STOPPED')) this.held.delete(ref.taskArn);
  }

  /** Keeps on the task's record the instances it may be in (one per key, the later one kept). */
  private async hold(ref: TaskRef, instances: readonly CloudMapInstance[], options?: { durable?: boolean }) {
    const unique = new Map(instances.map((i) => [instanceKey(i), i]));
    await writeHoldings(this.options, ref, 'cloudMap', [...unique.values()], options);
  }

  /** Stores (or forgets) the instances a task still has to leave, for `resume` after a restart. */
  private remember(ref: TaskRef, instances: readonly CloudMapInstance[]): void {
    const table = this.options.leftBehind;
    if (!table) return;
    if (instances.length === 0) {
      if (table.has(ref.taskArn)) table.delete(ref.taskArn);
      return;
    }
    const { accountId, region, taskArn } = ref;
    table.put(taskArn, { taskArn, accountId, region, instances, failingSince: this.failing.of(taskArn) });
  }

  /** Registers each instance on its own; answers those that were. */
  private async register(instances: readonly CloudMapInstance[]): Promise<CloudMapInstance[]> {
    const done: CloudMapInstance[] = [];
    for (const instance of instances) {
      try {
        await this.call(instance, 'RegisterInstance', {
          ServiceId: instance.serviceId,
          InstanceId: instance.instanceId,
          Attributes: instance.attributes,
        });
        done.push(instance);
      } catch (error) {
        if (!(error instanceof ProviderMissingError)) this.failed('RegisterInstance', instance, error);
      }
    }
    return done;
  }

  /**
   * Deregisters each instance on its own; answers those that are out of Cloud Map now (or given up, on a
   * final error), and whether any of the others is worth a retry (not while Cloud Map is not enabled).
   */
  private async deregister(
    taskArn: string,
    instances: readonly CloudMapInstance[],
  ): Promise<{ out: CloudMapInstance[]; retrying: boolean }> {
    const done: CloudMapInstance[] = [];
    let retrying = false;
    for (const instance of instances) {
      try {
        await this.call(instance, 'DeregisterInstance', {
          ServiceId: instance.serviceId,
          InstanceId: instance.instanceId,
        });
        done.push(instance);
      } catch (error) {
        const verdict = deregistrationVerdict(error, GONE);
        // Already gone (deregistered before a restart, or the Cloud Map service was deleted): nothing to undo.
        if (verdict === 'gone') done.push(instance);
        if (verdict === 'final') {
          done.push(instance);
          this.options.logger.error('Cloud Map deregistration failed for good; given up', {
            taskArn,
            serviceId: instance.serviceId,
            instanceId: instance.instanceId,
            error: String(error),
          });
        }
        if (verdict === 'retry') {
          retrying = true;
          this.failed('DeregisterInstance', instance, error);
        }
      }
    }
    return { out: done, retrying };
  }

  private failed(operation: string, instance: CloudMapInstance, error: unknown): void {
    this.options.logger.warn('Cloud Map registration failed', {
      operation,
      serviceId: instance.serviceId,
      instanceId: instance.instanceId,
      error: String(error),
    });
  }

  private async call(instance: CloudMapInstance, operation: string, input: object): Promise<unknown> {
    const cloudMap = await this.options.cloudMap();
    if (!cloudMap) {
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        this.options.logger.warn(
          'a service has serviceRegistries, but Cloud Map is not enabled in localcloud (add "servicediscovery" to SERVICES)',
        );
      }
      throw new ProviderMissingError('servicediscovery');
    }
    const context: RequestContext = {
      requestId: `ecs-service-registry-${instance.instanceId}`,
      service: 'servicediscovery',
      operation,
      region: instance.region,
      accountId: instance.accountId,
    };
    return cloudMap.handle(operation, input, context);
  }
}
