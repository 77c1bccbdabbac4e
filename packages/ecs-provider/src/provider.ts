import path from 'node:path';
import {
  type AccountRegionStores,
  OperationTable,
  type GatewayInfo,
  type ProviderContext,
  type ProviderHealth,
  type RequestContext,
  type ServiceProvider,
  type UpgradeRoute,
} from '@localcloud/gateway';
import { answerWhenDurable, type StateStore } from '@localcloud/persistence';
import { DockerodeBackend, type ContainerBackend } from '@localcloud/docker-backend';
import { ModelValidator, redactSensitive, onFirstUse } from '@localcloud/aws-model';
import { localDns, sharedNameTable } from '@localcloud/local-dns';
import { ECS_HANDLERS } from './operations';
import { ECS_TABLES, type EcsStore } from './store/ecs-store';
import { openEcsState } from './store/ecs-state';
import type { ServiceRecord } from './store/records';
import type { EcsScope } from './ecs-scope';
import { loadEcsRuntimeConfig, type EcsRuntimeConfig } from './runtime/runtime-config';
import { TaskSecrets } from './runtime/task-secrets';
import { TaskRuntime } from './runtime/task-runtime';
import { TaskSupervisor } from './runtime/task-supervisor';
import { instanceIdOf } from './runtime/instance-id';
import { StoreTaskRepository } from './runtime/task-repository';
import { ScopedTasks } from './runtime/scoped-tasks';
import type { TaskRecord } from './runtime/task-record';
import { isImageResolver } from './runtime/image-source';
import { withPlacement } from './runtime/launch-placement';
import { EngineCapacityProbe, engineAnswers } from './runtime/engine-capacity';
import { TaskAgent } from './task-agent/task-agent';
import { createTaskAgent } from './task-agent/create-task-agent';
import { TaskEndpointServer } from './task-agent/task-endpoint-server';
import { createTaskEndpoints, gatewayUrlForTasks, listenForTasks } from './task-agent/task-endpoints';
import { TaskDns } from './task-agent/task-dns';
import { createLocalTaskDns } from './task-agent/local-task-dns';
import { ServiceScheduler, loadSchedulerConfig } from './scheduler/service-scheduler';
import { DaemonScheduler } from './scheduler/daemon-scheduler';
import type { DaemonRecord } from './domain/daemons';
import { ServiceRegistrar, type LeftBehind } from './discovery/service-registrar';
import { createTaskDiscovery, expectsNames } from './discovery/task-discovery';
import { REGISTRY_CHECKED_OPERATIONS, checkRequestRegistries } from './discovery/validate-registries';
import { TargetRegistrar, type TargetsLeftBehind } from './load-balancing/target-registrar';
import { createTaskTargets } from './load-balancing/task-targets';
import { LOAD_BALANCER_CHECKED_OPERATIONS, checkRequestLoadBalancers } from './load-balancing/validate-load-balancers';
import { CloudMapClient } from './service-connect/cloud-map';
import {
  SERVICE_CONNECT_OPERATIONS,
  prepareServiceConnect,
  type PreparedServiceConnect,
} from './service-connect/prepare';
import { AliasPublisher } from './service-connect/alias-publisher';
import { createTaskAliases, serviceConnectScopes } from './service-connect/task-aliases';
import { TaskExec } from './exec/task-exec';
import { EngineStatus } from './runtime/engine-status';
import { ECS_MODEL } from './ecs-model';

export { ECS_MODEL } from './ecs-model';

export interface EcsProviderOptions {
  /** The container engine; the Docker engine `context.env` names as the docker CLI would by default. */
  readonly backend?: ContainerBackend;
}

/** Operations after which a scope's Service Connect aliases are planned again. */
const SERVICE_CHANGES = new Set(['CreateService', 'UpdateService', 'DeleteService']);
/**
 * The operations that go through the checks against other providers (each module's own guard names its
 * operations) or change a service's aliases afterwards; every other operation goes straight to its handler.
 */
const CHECKED_OPERATIONS: ReadonlySet<string> = new Set([
  ...REGISTRY_CHECKED_OPERATIONS,
  ...LOAD_BALANCER_CHECKED_OPERATIONS,
  ...SERVICE_CONNECT_OPERATIONS,
  ...SERVICE_CHANGES,
]);

/**
 * Amazon ECS as a localcloud provider plugin: the assembly of its parts. A request goes through the
 * checks against other providers (`discovery/`, `load-balancing/`, `service-connect/prepare.ts`) to the
 * operation table (`operations.ts`, `handlers/`) and the store; tasks run in `runtime/` with the hooks of
 * `task-agent/`, services in `scheduler/`, and each task change is followed by Cloud Map registration
 * (`discovery/`), target groups (`load-balancing/`) and Service Connect aliases (`service-connect/`).
 */
export class EcsProvider implements ServiceProvider {
  readonly service = { name: 'ecs', targetPrefix: 'AmazonEC2ContainerServiceV20141113', protocol: 'json1.1' } as const;
  // The model is read on the first request (lazyServiceModel), so these are made then.
  private readonly operationSet = onFirstUse(() => new Set(Object.keys(ECS_MODEL.operations)));
  private readonly table = new OperationTable<EcsScope>('ecs', ECS_HANDLERS);
  /** ECS answers constraint violations (missing members, enums, lengths) with InvalidParameterException. */
  private readonly validator = onFirstUse(
    () => new ModelValidator(ECS_MODEL, { validationErrorCode: 'InvalidParameterException' }),
  );
  /** One durable store for all of ECS's state; every account and region sees only its own part of it. */
  private readonly state: StateStore;
  private readonly stores: AccountRegionStores<EcsStore>;
  private readonly config: EcsRuntimeConfig;
  private readonly backend: ContainerBackend;
  private readonly repository: StoreTaskRepository;
  private readonly runtime: TaskRuntime;
  private readonly supervisor: TaskSupervisor;
  private readonly scheduler: ServiceScheduler;
  private readonly daemons: DaemonScheduler;
  /** What handlers kick after a change: both schedulers. */
  private readonly kicker = { kick: () => (this.scheduler.kick(), this.daemons.kick()) };
  /** The gateway's URL as task containers see it, once started. */
  private endpointUrl?: string;
  /** Logs, console output, endpoints and DNS servers beside each task (`src/task-agent/`). */
  private readonly agent: TaskAgent;
  /** The DNS server tasks get: the gateway's local DNS, where it serves (src/task-agent/task-dns.ts). */
  private readonly taskDns: TaskDns;
  private stopWatchingDns?: () => void;
  /** Cloud Map registration of service tasks (`src/discovery/`). */
  private readonly registrar: ServiceRegistrar;
  /** Target group registration of service tasks (`src/load-balancing/`). */
  private readonly targets: TargetRegistrar;
  /** Metadata, credentials and agent API listener for task containers (`src/task-agent/`). */
  private readonly endpoints?: TaskEndpointServer;
  private gateway?: GatewayInfo;
  /** The engine's CPUs and memory as last seen (container instances' resources). */
  private readonly engine: EngineCapacityProbe;
  /** The engine as `/_localcloud/health` reports it, without waiting for its first answer. */
  private readonly engineStatus = new EngineStatus(() => this.backend.version());
  /** Service Connect client aliases: names in the local DNS, proxies where ports differ (`src/service-connect/`). */
  private readonly aliases: AliasPublisher;
  /** ECS Exec sessions and their WebSocket data channels on the gateway's port (`src/exec/`). */
  private readonly exec: TaskExec;
  readonly upgradeRoutes: readonly UpgradeRoute[];

  get operations(): ReadonlySet<string> {
    return this.operationSet();
  }

  constructor(
    private readonly context: ProviderContext,
    options: EcsProviderOptions = {},
  ) {
    const { enabled, dataDir } = context.persistence;
    const { logger } = context;
    const lookupProvider = (name: string) => context.lookupProvider(name);
    this.config = loadEcsRuntimeConfig(context.env);
    ({ state: this.state, stores: this.stores } = openEcsState(enabled ? path.join(dataDir, 'ecs') : undefined));
    const instanceId = instanceIdOf(this.state);
    logger.info('ECS instance', { instanceId, containerPrefix: this.config.containerPrefix });
    this.backend = options.backend ?? new DockerodeBackend({ env: context.env });
    this.engine = new EngineCapacityProbe(this.backend);
    this.repository = new StoreTaskRepository(this.stores, this.state.table<TaskRecord>(ECS_TABLES.tasks), this.state);
    const get = this.repository.get.bind(this.repository);
    const mutate: TaskRuntime['mutate'] = (ref, change) => this.runtime.mutate(ref, change);

    this.endpoints =
      this.config.taskEndpoints &&
      createTaskEndpoints({
        backend: this.backend,
        logger,
        tasks: () => this.repository.unfinished(),
        mutate,
        gateway: () => this.gateway,
      });
    this.taskDns = createLocalTaskDns(context, this.backend, this.endpoints);
    this.agent = createTaskAgent({
      backend: this.backend,
      logger,
      config: this.config,
      state: this.state,
      lookupProvider,
      get,
      mutate,
      endpoints: this.endpoints,
      taskDns: this.taskDns,
      expectsNames: (ref) => expectsNames(this.stores, get(ref)),
    });
    const put = (record: TaskRecord) => this.repository.put(record);
    const durable = () => this.repository.durable();
    this.registrar = createTaskDiscovery({
      stores: this.stores,
      get,
      put,
      durable,
      cloudMap: () => lookupProvider('servicediscovery'),
      logger,
      leftBehind: this.state.table<LeftBehind>(ECS_TABLES.cloudMapLeftBehind),
    });
    const taskNetwork = this.config.dockerNetwork ?? 'bridge';
    this.aliases = createTaskAliases({
      stores: this.stores,
      tasksOf: (store) => new ScopedTasks(store.tasks, this.runtime, () => this.engineAvailable(), store.taskIndex),
      // Where task containers reach this process: the task endpoints' address on the task network, else the DNS's.
      proxyHost: () =>
        this.config.serviceConnectProxyHost ??
        this.endpoints?.addressOn(taskNetwork) ??
        localDns(context).addresses()[0],
      table: () => sharedNameTable(context),
      ensureServed: () => this.taskDns.serversFor(taskNetwork),
      logger,
    });
    this.targets = createTaskTargets({
      stores: this.stores,
      get,
      put,
      durable,
      elb: () => lookupProvider('elasticloadbalancing'),
      onHealthChanged: () => this.scheduler.targetsChanged(),
      logger,
      leftBehind: this.state.table<TargetsLeftBehind>(ECS_TABLES.targetsLeftBehind),
    });
    this.runtime = new TaskRuntime({
      backend: this.backend,
      repository: this.repository,
      config: this.config,
      instanceId,
      logger,
      endpointUrl: () => this.endpointUrl,
      hooks: withPlacement(this.agent, {
        stores: this.stores,
        get,
        mutate,
        engine: this.engine,
        strict: this.config.strictValidation,
      }),
      onTaskChanged: (ref) => {
        this.kicker.kick();
        this.registrar.taskChanged(ref);
        this.targets.taskChanged(ref);
        this.aliases.changed(ref);
      },
      beforeStopping: (ref) => this.targets.drain(ref),
      // Looked up when a task starts, not here: providers are created one after another.
      secrets: new TaskSecrets({ lookupProvider }),
      // ECR URIs are pulled from the ECR provider's registry with its token; found per task, not here.
      images: {
        resolve: async (scope, image) => {
          const ecr = await lookupProvider('ecr');
          return isImageResolver(ecr) ? ecr.resolveImage(scope, image) : undefined;
        },
      },
    });
    this.supervisor = new TaskSupervisor(
      this.backend,
      this.runtime,
      this.repository,
      this.config,
      instanceId,
      logger,
      (arn) => this.repository.has(arn),
    );
    this.exec = new TaskExec({
      backend: this.backend,
      logger,
      env: context.env,
      get,
      gatewayUrl: () => this.gateway?.url,
    });
    this.upgradeRoutes = [this.exec.endpoint.route];
    this.scheduler = new ServiceScheduler({
      stores: this.stores,
      services: this.state.table<ServiceRecord>(ECS_TABLES.services),
      runtime: this.runtime,
      config: loadSchedulerConfig(context.env),
      logger,
      ready: () => this.supervisor.available,
      failingTargetGroup: (task) => this.targets.failingTargetGroup(task.taskArn),
      targetsHealthy: (task) => this.targets.targetsHealthy(task),
    });
    this.daemons = new DaemonScheduler({
      stores: this.stores,
      daemons: this.state.table<DaemonRecord>(ECS_TABLES.daemons),
      runtime: this.runtime,
      config: loadSchedulerConfig(context.env),
      logger,
      ready: () => this.supervisor.available,
    });
  }

  /** DEBUG request log: values the model marks sensitive never reach it. */
  redactForLog(operation: string, kind: 'input' | 'output', body: unknown): unknown {
    return redactSensitive(ECS_MODEL, operation, kind, body);
  }

  validateInput(operation: string, input: unknown): void {
    this.validator().validate(operation, input);
  }

  /** Answered only once its changes (and any made meanwhile) are durable. */
  handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    return answerWhenDurable(this.state, () => this.dispatch(operation, input, request));
  }

  /**
   * Most operations (RegisterTaskDefinition, the Describes and Lists, RunTask, StopTask) need no check
   * against another provider: they go to their handler without the three checks' awaits, each a promise
   * and a turn of the microtask queue that found nothing to do (and a larger async function for the
   * optimizing compiler to compile on the hottest path).
   */
  private dispatch(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    if (CHECKED_OPERATIONS.has(operation)) return this.dispatchChecked(operation, input, request);
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    return this.table.dispatch(operation, input, this.handlerScope(scope, store, undefined), request);
  }

  /** Checks against other providers first (they answer asynchronously), then the operation's handler. */
  private async dispatchChecked(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    const lookupProvider = (name: string) => this.context.lookupProvider(name);
    await checkRequestRegistries(operation, input, () => lookupProvider('servicediscovery'), request);
    await checkRequestLoadBalancers(operation, input, {
      store,
      scope,
      elb: () => lookupProvider('elasticloadbalancing'),
      request,
    });
    const serviceConnect = await prepareServiceConnect(operation, input, {
      store,
      scope,
      cloudMap: () => new CloudMapClient(() => lookupProvider('servicediscovery'), request),
    });
    const result = await this.table.dispatch(
      operation,
      input,
      this.handlerScope(scope, store, serviceConnect),
      request,
    );
    if (SERVICE_CHANGES.has(operation)) this.aliases.changed(scope);
    return result;
  }

  /** What an operation's handler is given. */
  private handlerScope(
    scope: { accountId: string; region: string },
    store: EcsStore,
    serviceConnect: PreparedServiceConnect | undefined,
  ): EcsScope {
    return {
      scope,
      store,
      serviceConnect,
      tasks: new ScopedTasks(store.tasks, this.runtime, () => this.engineAvailable(), store.taskIndex),
      scheduler: this.kicker,
      strict: this.config.strictValidation,
      logger: this.context.logger,
      engine: this.engine,
      exec: this.exec.forHandlers,
    };
  }

  /** Follows the engine and reconciles stored tasks with it; an absent engine is retried in the background. */
  async start(gateway: GatewayInfo): Promise<void> {
    this.gateway = gateway;
    // Asked now, answered whenever the engine answers: the health answer does not wait for it.
    void this.engineStatus.refresh();
    const endpointsPort = await listenForTasks(this.endpoints, this.config, this.context.logger);
    this.endpointUrl = gatewayUrlForTasks(this.config, endpointsPort, gateway);
    await this.engine.refresh();
    // Before re-adopting tasks: theirs may have been created with the local DNS as resolver.
    this.stopWatchingDns = this.taskDns.watch(
      ['bridge', ...(this.config.dockerNetwork ? [this.config.dockerNetwork] : [])],
      this.repository.unfinished().some((task) => expectsNames(this.stores, task)),
    );
    // Tasks re-adopted below follow their awslogs output into the Logs provider: have it loaded first.
    if (this.repository.unfinished().length > 0) await this.agent.loadLogsSink();
    // Deregistrations the last process could not make (a STOPPED task is not followed again). Before the
    // supervisor re-adopts tasks, so a running task's first sync also leaves what its last process left.
    this.registrar.resume();
    this.targets.resume();
    await this.supervisor.start();
    // Only after the supervisor's first reconciliation: services resume from the tasks it re-adopted.
    this.scheduler.start();
    this.daemons.start();
    // Names and proxies are this process's: publish them again for the services state kept.
    const services = this.state.table<ServiceRecord>(ECS_TABLES.services).values();
    for (const scope of serviceConnectScopes(services)) this.aliases.changed(scope);
  }

  /**
   * Without persistence the tasks are forgotten, so their containers go too; with it they keep
   * running, to be re-adopted by the next start.
   */
  async stop(): Promise<void> {
    this.stopWatchingDns?.();
    this.scheduler.stop();
    this.daemons.stop();
    await this.exec.endpoint.close();
    this.supervisor.close();
    // Drains end now (the tasks keep running); tasks stopped while the runtime settles still sync.
    this.targets.stopDraining();
    await this.runtime.settle();
    await this.agent.close();
    // Before the store closes: what they could not deregister is stored, for the next start to retry.
    await Promise.all([this.registrar.idle(), this.targets.idle()]);
    this.registrar.close();
    this.targets.close();
    await this.aliases.close();
    await this.endpoints?.close();
    if (!this.context.persistence.enabled) {
      await Promise.all(this.repository.unfinished().map((record) => this.runtime.removeDockerResources(record)));
    }
    await this.backend.close();
    this.state.close();
  }

  health(): Promise<ProviderHealth> {
    return this.engineStatus.health();
  }

  private engineAvailable(): Promise<boolean> {
    return engineAnswers(this.supervisor, this.backend);
  }
}
