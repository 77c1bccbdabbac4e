import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
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

const defaultRetryDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));

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
 * that fails (other than the instance or its Cloud Map service being gone) is retried with backoff until it
 * succeeds; a registration that fails is tried again at the task's next change.
 */
export class ServiceRegistrar {
  /**
   * Per task, what took effect in Cloud Map (instance key → instance). No entry: unknown (not followed
   * since this process started), so a task that should be out is deregistered from its registries anyway.
   */
  private readonly held = new Map<string, Map<string, CloudMapInstance>>();
  /** Per task, the sync in flight or queued: they run in order. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Tasks whose sync is queued and not started yet: a change meanwhile needs no second one. */
  private readonly pending = new Set<string>();
  /** Deregistration retries waiting, by task ARN, with the attempt they are. */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  private closed = false;
  private warnedMissing = false;

  constructor(private readonly options: ServiceRegistrarOptions) {}

  /** A task changed: bring its Cloud Map registrations in line with its state (when its turn comes). */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    if (!this.held.has(task.taskArn) && (this.options.serviceOf(task)?.serviceRegistries ?? []).length === 0) return;
    this.schedule({ accountId: task.accountId, region: task.region, taskArn: task.taskArn }, 0);
  }

  /** Resolves when every Cloud Map call queued so far has been made (retries waiting for their time excepted). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Deregistration retries still waiting for their time (how many tasks). */
  get retrying(): number {
    return this.retries.size;
  }

  /** After a restart: retries the deregistrations the last process left (with their instances as it knew them). */
  resume(): void {
    for (const entry of [...(this.options.leftBehind?.values() ?? [])]) {
      if (this.held.has(entry.taskArn)) continue;
      this.held.set(entry.taskArn, new Map(entry.instances.map((i) => [instanceKey(i), i])));
      this.schedule({ accountId: entry.accountId, region: entry.region, taskArn: entry.taskArn }, 0);
    }
  }

  /** On shutdown: retries waiting are dropped here; those stored in `leftBehind` are resumed at the next start. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
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
        this.options.logger.warn('Cloud Map registration failed', { taskArn, error: String(error) });
      });
    this.queues.set(taskArn, next);
    void next.finally(() => {
      if (this.queues.get(taskArn) === next) this.queues.delete(taskArn);
    });
  }

  /** Reads the task now and makes Cloud Map hold what it should; answers when that is done or retried. */
  private async sync(ref: TaskRef, attempt: number): Promise<void> {
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
    const left = await this.deregister(leaving);
    for (const i of left) held.delete(instanceKey(i));
    const stopped = !task || task.lastStatus === 'STOPPED';
    // Kept while the task lives, even empty: a task known to be out needs no deregistration at each change.
    if (held.size === 0 && stopped) this.held.delete(ref.taskArn);
    else this.held.set(ref.taskArn, held);
    this.remember(ref, left.length < leaving.length ? [...held.values()].filter((i) => !now.has(instanceKey(i))) : []);
    if (left.length < leaving.length && !this.closed) {
      // Still in a registry it must leave: try again later, until it is out or the registry is gone.
      const delay = (this.options.retryDelayMs ?? defaultRetryDelay)(attempt + 1);
      const timer = setTimeout(() => {
        this.retries.delete(ref.taskArn);
        this.schedule(ref, attempt + 1);
      }, delay);
      timer.unref();
      this.retries.set(ref.taskArn, { timer, attempt: attempt + 1 });
    }
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
        this.failed('RegisterInstance', instance, error);
      }
    }
    return done;
  }

  /** Deregisters each instance on its own; answers those that are out of Cloud Map now. */
  private async deregister(instances: readonly CloudMapInstance[]): Promise<CloudMapInstance[]> {
    const done: CloudMapInstance[] = [];
    for (const instance of instances) {
      try {
        await this.call(instance, 'DeregisterInstance', {
          ServiceId: instance.serviceId,
          InstanceId: instance.instanceId,
        });
        done.push(instance);
      } catch (error) {
        // Already gone (deregistered before a restart, or the Cloud Map service was deleted): nothing to undo.
        const code = (error as { code?: string }).code;
        if (code === 'InstanceNotFound' || code === 'ServiceNotFound') done.push(instance);
        else this.failed('DeregisterInstance', instance, error);
      }
    }
    return done;
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
      return undefined;
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
