import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
import { deregistrationVerdict, ProviderMissingError } from '../registration/deregistration-errors';
import { TaskSyncQueue, type SyncOutcome } from '../registration/task-sync-queue';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { instancesOf, shouldBeRegistered, type CloudMapInstance } from './registration';

/** The ECS service a task belongs to, with its `serviceRegistries`. */
export interface TaskService {
  readonly serviceName: string;
  readonly clusterName: string;
  readonly serviceRegistries: readonly ServiceRegistry[];
}

export interface ServiceRegistrarOptions {
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  readonly serviceOf: (task: TaskRecord) => TaskService | undefined;
  /** The Cloud Map provider, looked up when needed (providers are created one after another). */
  readonly cloudMap: () => Promise<ServiceProvider | undefined>;
  readonly logger: Logger;
  /** How long to wait before retrying a failed deregistration (`attempt` from 1; default 1 s doubling to 30 s). */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Retries of a failing deregistration before it is given up (default: about 24 h of them). */
  readonly maxAttempts?: number;
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
  /** Per task, the instances its last sync failed to take out (retried, or given up). */
  private readonly leaving = new Map<string, CloudMapInstance[]>();
  /** Per task, its syncs in order, and the retries waiting. */
  private readonly queue: TaskSyncQueue;
  private warnedMissing = false;

  constructor(private readonly options: ServiceRegistrarOptions) {
    this.queue = new TaskSyncQueue({
      run: (ref) => this.sync(ref),
      failed: (ref, error) =>
        options.logger.warn('Cloud Map registration failed', { taskArn: ref.taskArn, error: String(error) }),
      gaveUp: (ref, attempts) => this.giveUp(ref, attempts),
      retryDelayMs: options.retryDelayMs,
      maxAttempts: options.maxAttempts,
    });
  }

  /** A task changed: bring its Cloud Map registrations in line with its state (when its turn comes). */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    if (!this.held.has(task.taskArn) && (this.options.serviceOf(task)?.serviceRegistries ?? []).length === 0) return;
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
      this.held.set(entry.taskArn, new Map(entry.instances.map((i) => [instanceKey(i), i])));
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
    // Registered by this process, or perhaps by the last one (a restart): what it may be in now.
    const known = this.held.get(ref.taskArn);
    const held =
      known ??
      new Map(
        (task && service && wanted.length === 0 ? instancesOf(task, registries, service).instances : []).map((i) => [
          instanceKey(i),
          i,
        ]),
      );
    // A diff against what the task is registered as: it joins (or updates) the registries it is in now and
    // leaves those it no longer is in, so a change of its registries never leaves it behind.
    const joining = wanted.filter((i) => JSON.stringify(held.get(instanceKey(i))) !== JSON.stringify(i));
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
    // Still in a registry it must leave (kept while Cloud Map is not enabled, too): stored on every sync.
    const remaining = [...held.values()].filter((i) => !now.has(instanceKey(i)));
    if (remaining.length > 0) this.leaving.set(ref.taskArn, remaining);
    else this.leaving.delete(ref.taskArn);
    this.remember(ref, remaining);
    // Retried later, until it is out, the registry is gone or it is given up.
    return { retry: retrying };
  }

  /** The retries reached their bound: the instances stay in Cloud Map, forgotten here (logged at error). */
  private giveUp(ref: TaskRef, attempts: number): void {
    const dropped = this.leaving.get(ref.taskArn) ?? [];
    this.leaving.delete(ref.taskArn);
    this.options.logger.error('Cloud Map deregistration given up', {
      taskArn: ref.taskArn,
      attempts,
      serviceIds: dropped.map((i) => i.serviceId),
    });
    const held = this.held.get(ref.taskArn);
    for (const i of dropped) held?.delete(instanceKey(i));
    this.remember(ref, []);
    const task = this.options.get(ref);
    if (held?.size === 0 && (!task || task.lastStatus === 'STOPPED')) this.held.delete(ref.taskArn);
  }

  /** Stores (or forgets) the instances a task still has to leave, for `resume` after a restart. */
  private remember(ref: TaskRef, instances: readonly CloudMapInstance[]): void {
    const table = this.options.leftBehind;
    if (!table) return;
    if (instances.length === 0) {
      if (table.has(ref.taskArn)) table.delete(ref.taskArn);
      return;
    }
    table.put(ref.taskArn, { taskArn: ref.taskArn, accountId: ref.accountId, region: ref.region, instances });
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
