import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
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
}

interface Applied {
  readonly registered: boolean;
  readonly signature?: string;
  readonly instances: readonly CloudMapInstance[];
}

/**
 * ECS's side of `serviceRegistries`: each task of such a service is registered in its Cloud Map services
 * (instance id = task id, address and port as ECS gives them) while it is RUNNING and healthy, and
 * deregistered as soon as it stops being so, before its containers are stopped. It follows task
 * changes, so it works the same for scheduler stops, StopTask, a container killed outside localcloud
 * and tasks adopted after a restart. It talks to Cloud Map only through that provider's `handle`, with
 * the API's own shapes.
 */
/** One instance's place in Cloud Map: the same key registered again replaces it. */
const instanceKey = (i: CloudMapInstance) => `${i.accountId}/${i.region}/${i.serviceId}/${i.instanceId}`;

export class ServiceRegistrar {
  private readonly applied = new Map<string, Applied>();
  /** Per task, the Cloud Map calls in flight: they run in order, so a deregistration never overtakes. */
  private readonly queues = new Map<string, Promise<void>>();
  private warnedMissing = false;

  constructor(private readonly options: ServiceRegistrarOptions) {}

  /** A task changed: bring its Cloud Map registrations in line with its state. */
  taskChanged(ref: TaskRef): void {
    const task = this.options.get(ref);
    if (!task) return;
    const previous = this.applied.get(task.taskArn);
    const service = this.options.serviceOf(task);
    const registries = service?.serviceRegistries ?? [];
    if (registries.length === 0 && !previous) return;

    if (service && registries.length > 0 && shouldBeRegistered(task)) {
      const { instances, invalid } = instancesOf(task, registries, service);
      for (const arn of invalid) {
        this.options.logger.warn('serviceRegistries: not a Cloud Map service ARN', { registryArn: arn });
      }
      const signature = JSON.stringify(instances);
      if (previous?.registered && previous.signature === signature) return;
      // A diff against what the task is registered as: it joins (or updates) the registries it is in now
      // and leaves those it no longer is in, so a change of its registries never leaves it behind.
      const before = new Map((previous?.instances ?? []).map((i) => [instanceKey(i), JSON.stringify(i)]));
      const joining = instances.filter((i) => before.get(instanceKey(i)) !== JSON.stringify(i));
      const now = new Set(instances.map(instanceKey));
      const leaving = (previous?.instances ?? []).filter((i) => !now.has(instanceKey(i)));
      const applied: Applied = { registered: true, signature, instances };
      this.applied.set(task.taskArn, applied);
      this.enqueue(task.taskArn, async () => {
        // Each half per instance, so a failed join (say, its Cloud Map service was deleted) never keeps the
        // task in the registries it left, and DNS stops answering it there.
        const joined = await this.register(joining);
        const left = await this.deregister(leaving);
        if (joined.length === joining.length && left.length === leaving.length) return;
        // Record only what took effect, without a signature, so the task's next change tries the rest again
        // (unless a newer change already replaced this record).
        if (this.applied.get(task.taskArn) !== applied) return;
        const held = new Map((previous?.instances ?? []).map((i) => [instanceKey(i), i]));
        for (const i of joined) held.set(instanceKey(i), i);
        for (const i of left) held.delete(instanceKey(i));
        this.applied.set(task.taskArn, { registered: true, instances: [...held.values()] });
      });
      return;
    }
    if (previous && !previous.registered) {
      if (task.lastStatus === 'STOPPED') this.applied.delete(task.taskArn);
      return;
    }
    // Registered by this process, or perhaps by the last one (a restart): take it out of discovery.
    const instances = previous?.instances ?? (service ? instancesOf(task, registries, service).instances : []);
    this.applied.set(task.taskArn, { registered: false, instances: [] });
    this.enqueue(task.taskArn, async () => {
      await this.deregister(instances);
    });
    if (task.lastStatus === 'STOPPED') this.applied.delete(task.taskArn);
  }

  /** Resolves when every Cloud Map call queued so far has been made. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private enqueue(taskArn: string, work: () => Promise<void>): void {
    const next = (this.queues.get(taskArn) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      this.options.logger.warn('Cloud Map registration failed', { taskArn, error: String(error) });
    });
    this.queues.set(taskArn, next);
    void next.finally(() => {
      if (this.queues.get(taskArn) === next) this.queues.delete(taskArn);
    });
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
