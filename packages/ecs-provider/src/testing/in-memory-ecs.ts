import type { ContainerDefinition, Service, Task } from '@aws-sdk/client-ecs';
import { InMemoryBackend, type ContainerScript } from '@localcloud/docker-backend';
import { AccountRegionStores } from '@localcloud/gateway';
import { InMemoryStateStore } from '@localcloud/persistence';
import winston from 'winston';
import type { EcsScope } from '../ecs-scope';
import type { ServiceRegistrar } from '../discovery/service-registrar';
import { createTaskDiscovery, expectsNames } from '../discovery/task-discovery';
import { describeServices } from '../handlers/services';
import { describeTasks, listTasks } from '../handlers/tasks';
import { loadEcsRuntimeConfig } from '../runtime/runtime-config';
import { ScopedTasks } from '../runtime/scoped-tasks';
import { TaskRuntime } from '../runtime/task-runtime';
import { TaskSupervisor } from '../runtime/task-supervisor';
import { StoreTaskRepository } from '../runtime/task-repository';
import type { TaskRecord } from '../runtime/task-record';
import { ServiceScheduler, type ServiceSchedulerConfig } from '../scheduler/service-scheduler';
import { ECS_TABLES, EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';
import { RecordingCloudMap } from './recording-cloud-map';

/** The image every in-memory task container runs; any other image cannot be pulled. */
export const IMAGE = 'app:1';
/** A `dockerLabels` entry: the container ignores SIGTERM, as a shell as PID 1 does. */
export const IGNORES_SIGTERM = { 'test.ignores-sigterm': 'true' };

export const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'app',
  image: IMAGE,
  memory: 32,
  ...extra,
});

/**
 * The ECS runtime, supervisor and service scheduler wired as the provider wires them, on the in-memory
 * backend and store. Nothing runs on its own: the test calls `pass()` for each scheduler pass and
 * `settle()` to let launches and stops run, so every intermediate state can be looked at. Time moves
 * only with jest's fake timers (`Date.now()` included), which the scheduler's backoff and the backend's
 * stop timeout both read.
 */
export class InMemoryEcs {
  readonly backend: InMemoryBackend;
  readonly ecs: EcsScope;
  readonly runtime: TaskRuntime;
  readonly scheduler: ServiceScheduler;
  /**
   * Tasks whose load balancer target is unhealthy, by task ARN: the target group (as `src/load-balancing/`
   * reports). A change tells the scheduler, as the target registrar's `onHealthChanged` does.
   */
  readonly failingTargetGroups = new NotifyingMap<string, string>(() => this.scheduler.targetsChanged());
  /** Cloud Map as ECS's registrar sees it: which tasks each Cloud Map service holds (`src/discovery/`). */
  readonly cloudMap = new RecordingCloudMap();
  private readonly stores: AccountRegionStores<EcsStore>;
  private readonly registrar: ServiceRegistrar;
  private readonly supervisor: TaskSupervisor;
  private readonly state = new InMemoryStateStore();

  constructor(scheduler: ServiceSchedulerConfig = { intervalMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 8000 }) {
    const logger = winston.createLogger({ silent: true });
    const config = loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: 'off', ECS_CREDENTIALS_ROUTE: '0' });
    const stores = new AccountRegionStores((accountId, region) => new EcsStore(this.state, { accountId, region }));
    this.stores = stores;
    const repository = new StoreTaskRepository(stores, this.state.table<TaskRecord>(ECS_TABLES.tasks), this.state);
    this.backend = new InMemoryBackend({
      images: [IMAGE],
      script: (spec): ContainerScript | undefined =>
        spec.labels?.['test.ignores-sigterm'] ? { ignoreStopSignal: true } : undefined,
    });
    const instanceId = 'in-memory-instance';
    this.registrar = createTaskDiscovery({
      stores,
      get: (ref) => repository.get(ref),
      put: (record) => repository.put(record),
      cloudMap: async () => this.cloudMap.asProvider(),
      logger,
    });
    this.runtime = new TaskRuntime({
      backend: this.backend,
      repository,
      config,
      instanceId,
      logger,
      endpointUrl: () => undefined,
      onTaskChanged: (ref) => this.registrar.taskChanged(ref),
    });
    this.supervisor = new TaskSupervisor(this.backend, this.runtime, repository, config, instanceId, logger, (arn) =>
      repository.has(arn),
    );
    this.scheduler = new ServiceScheduler({
      stores,
      services: this.state.table<ServiceRecord>(ECS_TABLES.services),
      runtime: this.runtime,
      config: scheduler,
      logger,
      ready: () => this.supervisor.available,
      failingTargetGroup: (task) => this.failingTargetGroups.get(task.taskArn),
    });
    const store = stores.get('000000000000', 'us-east-1');
    this.ecs = {
      scope: store.scope,
      store,
      tasks: new ScopedTasks(store.tasks, this.runtime, async () => true, store.taskIndex),
      // No kicks: passes run only when the test asks.
      scheduler: undefined,
      strict: false,
      logger,
    };
  }

  /** Follows the backend's events, as the provider does before its scheduler starts. */
  async start(): Promise<this> {
    await this.supervisor.start();
    return this;
  }

  async close(): Promise<void> {
    this.scheduler.stop();
    this.supervisor.close();
    await this.runtime.settle();
    await this.registrar.idle();
    this.registrar.close();
    await this.backend.close();
    this.state.close();
  }

  /** One scheduler pass, then everything it set going runs as far as it can without time passing. */
  async pass(): Promise<void> {
    this.scheduler.pass();
    await this.settle();
  }

  /** Lets launches, stops and engine events run until no task has work in flight. */
  async settle(): Promise<void> {
    await this.until('no launch or stop in flight', () => this.allTasks().every((t) => !this.runtime.isBusy(t)));
    await this.registrar.idle();
  }

  /** Whether a task gets the local DNS even while no name is published (src/discovery/task-discovery.ts). */
  expectsNames(taskArn: string): boolean {
    return expectsNames(
      this.stores,
      this.allTasks().find((t) => t.taskArn === taskArn),
    );
  }

  /** Lets queued work run until `condition` holds; fails if it never does without time passing. */
  async until(what: string, condition: () => boolean): Promise<void> {
    for (let turn = 0; turn < 500; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      if (condition()) {
        // One more turn so engine events queued behind the last step are delivered too.
        await new Promise((resolve) => setImmediate(resolve));
        return;
      }
    }
    throw new Error(`never reached: ${what}`);
  }

  service(name: string): Service {
    return describeServices({ cluster: 'default', services: [name] }, this.ecs).services![0]!;
  }

  /** Every task of the service, in any state, oldest first. */
  tasksOf(service: string): Task[] {
    const arns = (['RUNNING', 'STOPPED'] as const).flatMap(
      (desiredStatus) =>
        listTasks({ cluster: 'default', serviceName: service, desiredStatus, maxResults: 100 }, this.ecs).taskArns ??
        [],
    );
    return arns.length ? this.describe(arns) : [];
  }

  describe(taskArns: string[]): Task[] {
    const tasks = describeTasks({ cluster: 'default', tasks: taskArns }, this.ecs).tasks ?? [];
    return tasks.sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
  }

  /** What the registrars hold a task in, from its stored record (registration/task-holdings.ts). */
  holdings(taskArn: string): TaskRecord['holdings'] {
    return this.allTasks().find((t) => t.taskArn === taskArn)?.holdings;
  }

  /** The Docker id of a task's container. */
  runtimeId(task: Task, name = 'app'): string {
    return task.containers!.find((c) => c.name === name)!.runtimeId!;
  }

  private allTasks(): TaskRecord[] {
    return [...this.state.table<TaskRecord>(ECS_TABLES.tasks).values()];
  }
}

/** A map that calls `changed` after every set, delete or clear. */
class NotifyingMap<K, V> extends Map<K, V> {
  constructor(private readonly changed: () => void) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    this.changed();
    return this;
  }

  override delete(key: K): boolean {
    const deleted = super.delete(key);
    this.changed();
    return deleted;
  }

  override clear(): void {
    super.clear();
    this.changed();
  }
}
