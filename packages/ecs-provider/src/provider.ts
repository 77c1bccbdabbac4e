import path from 'node:path';
import {
  type AccountRegionStores,
  OperationTable,
  type GatewayInfo,
  type ProviderContext,
  type ProviderHealth,
  type RequestContext,
  type ServiceProvider,
} from '@localcloud/gateway';
import { answerWhenDurable, type StateStore } from '@localcloud/persistence';
import { DockerodeBackend, type ContainerBackend } from '@localcloud/docker-backend';
import { ModelValidator, redactSensitive, lazyServiceModel, onFirstUse } from '@localcloud/aws-model';
import { ECS_HANDLERS } from './operations';
import { ECS_TABLES, type EcsStore } from './store/ecs-store';
import { openEcsState } from './store/ecs-state';
import type { EcsScope } from './ecs-scope';
import { loadEcsRuntimeConfig, type EcsRuntimeConfig } from './runtime/runtime-config';
import { TaskSecrets } from './runtime/task-secrets';
import { TaskRuntime } from './runtime/task-runtime';
import { TaskSupervisor } from './runtime/task-supervisor';
import { instanceIdOf } from './runtime/instance-id';
import { StoreTaskRepository } from './runtime/task-repository';
import { ScopedTasks } from './runtime/scoped-tasks';
import type { TaskRecord } from './runtime/task-record';
import { isLogsSink } from './task-agent/logs-sink-guard';
import { isImageResolver } from './runtime/image-source';
import { TaskAgent } from './task-agent/task-agent';
import { LogPositions, type LogPositionRecord } from './task-agent/log-positions';
import { TaskConsole } from './task-agent/console-output';
import { TaskEndpointServer } from './task-agent/task-endpoint-server';
import { CredentialsRoute } from './task-agent/credentials-route';
import { TaskProtectionEndpoint } from './task-agent/task-protection-endpoint';
import type { ServiceRecord } from './store/records';
import { ServiceScheduler, loadSchedulerConfig } from './scheduler/service-scheduler';
import { DaemonScheduler } from './scheduler/daemon-scheduler';
import type { DaemonRecord } from './domain/daemons';
import type { EngineCapacity, EngineCapacitySource } from './domain/container-instances';
import { placeLaunchedTask } from './handlers/container-instances';
import type { TaskHooks } from './runtime/task-hooks';
import { TaskStartError } from './runtime/task-runtime';
import type { TaskRef } from './runtime/task-record';
import { ServiceRegistrar, type TaskService } from './discovery/service-registrar';
import { TargetRegistrar } from './load-balancing/target-registrar';
import { localEc2InstanceId, type TaskHost } from './load-balancing/targets';
import { checkServiceLoadBalancers } from './load-balancing/validate-load-balancers';
import { CloudMapClient } from './service-connect/cloud-map';
import { serviceConnectRegistries } from './service-connect/configuration';
import { prepareServiceConnect } from './service-connect/prepare';
import { AliasPublisher } from './service-connect/alias-publisher';
import type { ServerService } from './service-connect/aliases';
import { tasksOfService } from './domain/service';
import { checkServiceRegistries } from './discovery/validate-registries';
import { findTaskDefinition } from './handlers/task-definitions';
import type { CreateServiceRequest, CreateTaskSetRequest, UpdateServiceRequest } from '@aws-sdk/client-ecs';
import { taskLoadBalancers } from './load-balancing/task-load-balancers';
import { taskServiceRegistries } from './discovery/task-registries';
import { withEvents } from './scheduler/service-events';
import { clusterNameOf } from './arn';
import { ExecSessions } from './exec/exec-sessions';
import { streamUrl } from './exec/stream-url';
import { ExecEndpoint, idleTimeoutFromEnv } from './exec/exec-endpoint';
import type { UpgradeRoute } from '@localcloud/gateway';
import { localDns, localDnsEnabled, sharedNameTable } from '@localcloud/local-dns';
import { TaskDns } from './task-agent/task-dns';
import { addressesOn } from './task-agent/local-addresses';

/** The API model generated from @aws-sdk/client-ecs (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ECS_MODEL = lazyServiceModel(() => require('./generated/ecs-model.json'));

export interface EcsProviderOptions {
  /** The container engine; the Docker engine `context.env` names as the docker CLI would by default. */
  readonly backend?: ContainerBackend;
}

/** Amazon ECS as a localcloud provider plugin. */
/** Operations after which a scope's Service Connect aliases are planned again. */
const SERVICE_CHANGES = new Set(['CreateService', 'UpdateService', 'DeleteService']);

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
  private endpointUrl?: string;
  private readonly agent: TaskAgent;
  /** The DNS server tasks get: the gateway's local DNS, where it serves (src/task-agent/task-dns.ts). */
  private readonly taskDns: TaskDns;
  private stopWatchingDns?: () => void;
  private readonly registrar: ServiceRegistrar;
  private readonly targets: TargetRegistrar;
  private readonly endpoints?: TaskEndpointServer;
  private gateway?: GatewayInfo;
  /** The engine's CPUs and memory as last seen (container instances' resources). */
  private engineCapacity?: EngineCapacity;
  private readonly engine: EngineCapacitySource = {
    current: () => this.engineCapacity,
    refresh: async () => {
      try {
        this.engineCapacity = await this.backend.engineInfo();
      } catch {
        // Unreachable: the last capacity seen stands (the health endpoint reports the engine).
      }
      return this.engineCapacity;
    },
  };
  /** Service Connect client aliases: names in the local DNS, proxies where ports differ (`src/service-connect/`). */
  private readonly aliases: AliasPublisher;
  /** ECS Exec sessions handed out by ExecuteCommand (`src/exec/`). */
  private readonly execSessions = new ExecSessions();
  /** The WebSocket data channels of those sessions, on the gateway's port. */
  private readonly execEndpoint: ExecEndpoint;
  readonly upgradeRoutes: readonly UpgradeRoute[];

  get operations(): ReadonlySet<string> {
    return this.operationSet();
  }

  constructor(
    private readonly context: ProviderContext,
    options: EcsProviderOptions = {},
  ) {
    const { enabled, dataDir } = context.persistence;
    this.config = loadEcsRuntimeConfig(context.env);
    ({ state: this.state, stores: this.stores } = openEcsState(enabled ? path.join(dataDir, 'ecs') : undefined));
    const instanceId = instanceIdOf(this.state);
    context.logger.info('ECS instance', { instanceId, containerPrefix: this.config.containerPrefix });
    this.backend = options.backend ?? new DockerodeBackend({ env: context.env });
    this.repository = new StoreTaskRepository(this.stores, this.state.table<TaskRecord>(ECS_TABLES.tasks), this.state);
    this.endpoints = this.config.taskEndpoints && this.createEndpointServer();
    this.taskDns = new TaskDns({
      enabled: localDnsEnabled(context.env),
      dns: () => localDns(this.context),
      candidates: async (network) => {
        const bound = this.endpoints?.addressOn(network);
        const info = await this.backend.inspectNetwork(network).catch(() => undefined);
        return [...new Set([...(bound ? [bound] : []), ...addressesOn(info?.subnets ?? [])])];
      },
      logger: context.logger,
    });
    this.agent = this.createTaskAgent();
    this.registrar = new ServiceRegistrar({
      get: (ref) => this.repository.get(ref),
      serviceOf: (task) => this.serviceOfTask(task),
      cloudMap: () => this.context.lookupProvider('servicediscovery'),
      logger: context.logger,
    });
    this.aliases = new AliasPublisher({
      servicesOf: (scope) => this.serviceConnectServices(scope),
      // Where task containers reach this process: the task endpoints' address on the task network, else the DNS's.
      proxyHost: () =>
        this.config.serviceConnectProxyHost ??
        this.endpoints?.addressOn(this.config.dockerNetwork ?? 'bridge') ??
        localDns(this.context).addresses()[0],
      table: () => sharedNameTable(this.context),
      ensureServed: () => this.taskDns.serversFor(this.config.dockerNetwork ?? 'bridge'),
      logger: context.logger,
    });
    this.targets = new TargetRegistrar({
      get: (ref) => this.repository.get(ref),
      serviceOf: (task) => {
        const service = this.serviceRecordOf(task);
        return (
          service && {
            serviceName: service.serviceName!,
            loadBalancers: taskLoadBalancers(
              task,
              service,
              (key) => this.stores.get(task.accountId, task.region).serviceRevisions.get(key)?.loadBalancers,
            ),
            host: this.taskHostOf(task),
          }
        );
      },
      elb: () => this.context.lookupProvider('elasticloadbalancing'),
      event: (task, message) => this.addServiceEvent(task, message),
      onHealthChanged: () => this.scheduler.kick(),
      logger: context.logger,
    });
    this.runtime = new TaskRuntime({
      backend: this.backend,
      repository: this.repository,
      config: this.config,
      instanceId,
      logger: context.logger,
      endpointUrl: () => this.endpointUrl,
      hooks: this.withPlacement(this.agent),
      onTaskChanged: (ref) => {
        this.kicker.kick();
        this.registrar.taskChanged(ref);
        this.targets.taskChanged(ref);
        this.aliases.changed(ref);
      },
      beforeStopping: (ref) => this.targets.drain(ref),
      // Looked up when a task starts, not here: providers are created one after another.
      secrets: new TaskSecrets({ lookupProvider: (name) => this.context.lookupProvider(name) }),
      // ECR URIs are pulled from the ECR provider's registry with its token; found per task, not here.
      images: {
        resolve: async (scope, image) => {
          const ecr = this.context.lookupProvider('ecr');
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
      context.logger,
      (arn) => this.repository.has(arn),
    );
    this.execEndpoint = new ExecEndpoint({
      sessions: this.execSessions,
      backend: this.backend,
      logger: context.logger,
      idleTimeoutMs: idleTimeoutFromEnv(context.env),
      stillExecutable: (target) => {
        const record = this.repository.get(target);
        const container = record?.containers?.find((c) => c.name === target.containerName);
        return (
          record?.lastStatus === 'RUNNING' &&
          record.enableExecuteCommand === true &&
          container?.lastStatus === 'RUNNING' &&
          container.runtimeId === target.runtimeId
        );
      },
    });
    this.upgradeRoutes = [this.execEndpoint.route];
    this.scheduler = new ServiceScheduler({
      stores: this.stores,
      services: this.state.table<ServiceRecord>(ECS_TABLES.services),
      runtime: this.runtime,
      config: loadSchedulerConfig(context.env),
      logger: context.logger,
      ready: () => this.supervisor.available,
      failingTargetGroup: (task) => this.targets.failingTargetGroup(task.taskArn),
      targetsHealthy: (task) => this.targets.targetsHealthy(task),
    });
    this.daemons = new DaemonScheduler({
      stores: this.stores,
      daemons: this.state.table<DaemonRecord>(ECS_TABLES.daemons),
      runtime: this.runtime,
      config: loadSchedulerConfig(context.env),
      logger: context.logger,
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
  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    return answerWhenDurable(this.state, () => this.dispatch(operation, input, request));
  }

  private async dispatch(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    const tasks = new ScopedTasks(store.tasks, this.runtime, () => this.engineAvailable(), store.taskIndex);
    const exec = {
      sessions: this.execSessions,
      streamUrl: (sessionId: string, host: string | undefined) =>
        streamUrl(sessionId, host, this.gateway?.url ?? 'http://127.0.0.1:4566'),
    };
    if (operation === 'CreateTaskSet') {
      // A task set's registries are checked as CreateService's are.
      const { serviceRegistries } = input as CreateTaskSetRequest;
      await checkServiceRegistries(serviceRegistries, this.context.lookupProvider('servicediscovery'), request);
    }
    if (operation === 'CreateService' || operation === 'UpdateService') {
      const { loadBalancers, taskDefinition, serviceRegistries } = input as CreateServiceRequest | UpdateServiceRequest;
      await checkServiceRegistries(serviceRegistries, this.context.lookupProvider('servicediscovery'), request);
      const current =
        operation === 'UpdateService' ? this.serviceByReference(input as UpdateServiceRequest, scope) : undefined;
      const reference = taskDefinition ?? current?.taskDefinition;
      const definition = reference ? findTaskDefinition(store, scope, reference) : undefined;
      // Without the definition (or the service) the handler answers its own error.
      if (definition && loadBalancers?.length && (operation === 'CreateService' || current)) {
        await checkServiceLoadBalancers(
          loadBalancers,
          definition.taskDefinition.networkMode,
          this.context.lookupProvider('elasticloadbalancing'),
          request,
        );
      }
    }
    const serviceConnect = await prepareServiceConnect(operation, input, {
      store,
      scope,
      cloudMap: () => new CloudMapClient(this.context.lookupProvider('servicediscovery'), request),
    });
    const result = await this.table.dispatch(
      operation,
      input,
      {
        scope,
        store,
        serviceConnect,
        tasks,
        scheduler: this.kicker,
        strict: this.config.strictValidation,
        logger: this.context.logger,
        engine: this.engine,
        exec,
      },
      request,
    );
    if (SERVICE_CHANGES.has(operation)) this.aliases.changed(scope);
    return result;
  }

  /** Follows the engine and reconciles stored tasks with it; an absent engine is retried in the background. */
  async start(gateway: GatewayInfo): Promise<void> {
    this.gateway = gateway;
    const agentPort = await this.listenForTasks();
    // Containers reach the gateway through the agent listener, which works when the gateway is on loopback.
    const agentHost = agentPort ? (this.config.taskEndpointsHost ?? 'host.docker.internal') : 'host.docker.internal';
    this.endpointUrl = this.config.taskEndpointUrl ?? `http://${agentHost}:${agentPort ?? gateway.port}`;
    await this.engine.refresh();
    // Before re-adopting tasks: theirs may have been created with the local DNS as resolver.
    this.stopWatchingDns = this.taskDns.watch(
      ['bridge', ...(this.config.dockerNetwork ? [this.config.dockerNetwork] : [])],
      this.repository.unfinished().some((task) => this.expectsNames(task)),
    );
    await this.supervisor.start();
    // Only after the supervisor's first reconciliation: services resume from the tasks it re-adopted.
    this.scheduler.start();
    this.daemons.start();
    // Names and proxies are this process's: publish them again for the services state kept.
    for (const scope of this.serviceConnectScopes()) this.aliases.changed(scope);
  }

  /**
   * Without persistence the tasks are forgotten, so their containers go too; with it they keep
   * running, to be re-adopted by the next start.
   */
  async stop(): Promise<void> {
    this.stopWatchingDns?.();
    this.scheduler.stop();
    this.daemons.stop();
    await this.execEndpoint.close();
    this.supervisor.close();
    this.targets.close();
    await this.runtime.settle();
    await this.agent.close();
    await this.registrar.idle();
    await this.aliases.close();
    await this.endpoints?.close();
    if (!this.context.persistence.enabled) {
      await Promise.all(this.repository.unfinished().map((record) => this.runtime.removeDockerResources(record)));
    }
    await this.backend.close();
    this.state.close();
  }

  async health(): Promise<ProviderHealth> {
    try {
      const version = await this.backend.version();
      return {
        status: 'running',
        docker: { state: 'available', version: version.version, apiVersion: version.apiVersion },
      };
    } catch (error) {
      return {
        status: 'degraded',
        docker: { state: 'unavailable', error: error instanceof Error ? error.message : String(error) },
      };
    }
  }

  /** Where `ECS_TASK_ENDPOINTS_LISTEN` says; by default loopback and the networks tasks join (more as they appear). */
  private async listenForTasks(): Promise<number | undefined> {
    const listen = this.config.taskEndpoints;
    if (!listen) return undefined;
    if (listen.host !== undefined) return (await this.endpoints!.listen(listen.host, listen.port)).port;
    // `bridge` too when tasks use another network: host.docker.internal (host-gateway) is its gateway.
    const networks = ['bridge', ...(this.config.dockerNetwork ? [this.config.dockerNetwork] : [])];
    const address = await this.endpoints!.listenForTasks(listen.port, networks);
    this.context.logger.debug('task endpoints listening', { addresses: this.endpoints!.addresses() });
    return address.port;
  }

  /** The listener task containers reach for metadata, credentials and the gateway (docs/ecs-provider.md). */
  private createEndpointServer(): TaskEndpointServer {
    const protection = new TaskProtectionEndpoint({ mutate: (ref, change) => this.runtime.mutate(ref, change) });
    return new TaskEndpointServer({
      agentApi: (req, res, path, task) => protection.handle(req, res, path, task),
      backend: this.backend,
      logger: this.context.logger,
      tasks: () => this.repository.unfinished(),
      upstream: () =>
        this.gateway && {
          host: ['0.0.0.0', '::', ''].includes(this.gateway.host) ? '127.0.0.1' : this.gateway.host,
          port: this.gateway.port,
        },
    });
  }

  private createTaskAgent(): TaskAgent {
    const listen = this.config.taskEndpoints;
    const route = this.config.credentialsRoute ? new CredentialsRoute() : undefined;
    if (route && !route.available()) {
      this.context.logger.info('169.254.170.2 is not routed for tasks: that needs root, nsenter and iptables');
    }
    return new TaskAgent({
      backend: this.backend,
      logger: this.context.logger,
      get: (ref) => this.repository.get(ref),
      mutate: (ref, change) => this.runtime.mutate(ref, change),
      // Found when a task starts, not here: providers are created one after another.
      logsSink: () => {
        const logs = this.context.lookupProvider('logs');
        return isLogsSink(logs) ? logs : undefined;
      },
      endpoint: () => {
        const endpoints = this.endpoints;
        const port = endpoints?.port;
        if (port === undefined || !listen) return undefined;
        return {
          port,
          host: listen.host === undefined || ['0.0.0.0', '::'].includes(listen.host) ? undefined : listen.host,
          advertisedHost: this.config.taskEndpointsHost,
          addressOn: (network) => endpoints!.addressOn(network),
        };
      },
      reach: (network) => this.endpoints?.reach(network) ?? Promise.resolve(),
      dnsServers: (network, ref) => this.taskDns.serversFor(network, this.expectsNames(this.repository.get(ref))),
      credentialsRoute: route?.available() ? route : undefined,
      logPositions: new LogPositions(
        this.state,
        this.state.table<LogPositionRecord>(ECS_TABLES.logPositions),
        this.config.awslogsPositionIntervalMs,
        this.context.logger,
        async () => {
          const logs = this.context.lookupProvider('logs');
          if (isLogsSink(logs)) await logs.durable();
        },
      ),
      taskConsole:
        this.config.taskOutput === 'console'
          ? { console: new TaskConsole(this.context.logger), containerPrefix: this.config.containerPrefix }
          : undefined,
    });
  }

  /**
   * The task agent's hooks, with placement first: a task the scheduler launched on the EC2 or EXTERNAL
   * launch type gets a container instance of its cluster before anything runs (RunTask places its own).
   */
  private withPlacement(agent: TaskHooks): TaskHooks {
    return {
      prepare: (ref, definition) => {
        this.place(ref);
        return agent.prepare(ref, definition);
      },
      beforeCreate: (ref, definition) => agent.beforeCreate(ref, definition),
      networkReady: (ref, network) => agent.networkReady(ref, network),
      started: (ref, runtimeId, containerName) => agent.started(ref, runtimeId, containerName),
      resumed: (ref, runtimeId, containerName) => agent.resumed(ref, runtimeId, containerName),
      beforeStopped: (ref) => agent.beforeStopped(ref),
    };
  }

  /**
   * Whether a task calls names that may not be published yet: its service uses Service Connect or Cloud
   * Map (service or task set `serviceRegistries`), so it gets the local DNS even while the table is empty.
   */
  private expectsNames(task: TaskRecord | undefined): boolean {
    const service = task && this.serviceRecordOf(task);
    if (!service) return false;
    const taskSet = (service.taskSets ?? []).find((s) => s.id === task.startedBy);
    return (
      !!service.serviceConnectConfiguration?.enabled ||
      (service.serviceRegistries ?? []).length > 0 ||
      (taskSet?.serviceRegistries ?? []).length > 0
    );
  }

  /** The ECS service a task was started for (its group `service:<name>`), for Cloud Map registration. */
  private serviceOfTask(task: TaskRecord): TaskService | undefined {
    const service = this.serviceRecordOf(task);
    return (
      service && {
        serviceName: service.serviceName!,
        clusterName: clusterNameOf(task.clusterArn),
        // Service Connect registers server tasks in Cloud Map the way serviceRegistries does.
        serviceRegistries: [
          ...taskServiceRegistries(
            task,
            service,
            (key) => this.stores.get(task.accountId, task.region).serviceRevisions.get(key)?.serviceRegistries,
          ),
          ...this.serviceConnectRegistriesOf(service, task),
        ],
      }
    );
  }

  private serviceConnectRegistriesOf(service: ServiceRecord, task: TaskRecord) {
    if (!service.serviceConnectConfiguration?.enabled || !task.taskDefinitionArn) return [];
    const store = this.stores.get(task.accountId, task.region);
    const definition = findTaskDefinition(store, task, task.taskDefinitionArn)?.taskDefinition;
    return serviceConnectRegistries(
      { configuration: service.serviceConnectConfiguration, resources: service.serviceConnectResources ?? [] },
      definition,
    );
  }

  /** The account's and region's services that use Service Connect, with their tasks (service-connect/aliases.ts). */
  private serviceConnectServices(scope: { accountId: string; region: string }): ServerService[] {
    const store = this.stores.get(scope.accountId, scope.region);
    const tasks = new ScopedTasks(store.tasks, this.runtime, () => this.engineAvailable());
    const services: ServerService[] = [];
    for (const record of store.services.values()) {
      if (record.status === 'INACTIVE' || !record.serviceConnectConfiguration?.enabled) continue;
      const clusterName = clusterNameOf(record.clusterArn);
      services.push({
        record,
        clusterName,
        tasks: tasksOfService(record, tasks.inCluster(clusterName)),
        definitionOf: (arn) => (arn ? findTaskDefinition(store, scope, arn)?.taskDefinition : undefined),
      });
    }
    return services;
  }

  /** Every account and region with a Service Connect service in the state. */
  private serviceConnectScopes(): { accountId: string; region: string }[] {
    const scopes = new Map<string, { accountId: string; region: string }>();
    for (const record of this.state.table<ServiceRecord>(ECS_TABLES.services).values()) {
      if (!record.serviceConnectConfiguration?.enabled) continue;
      const [, , , region, accountId] = record.serviceArn.split(':');
      if (region && accountId) scopes.set(`${accountId}/${region}`, { accountId, region });
    }
    return [...scopes.values()];
  }

  /** Where a task runs, for its `instance` targets: its container instance's EC2 id and its network mode. */
  private taskHostOf(task: TaskRecord): TaskHost {
    const store = this.stores.get(task.accountId, task.region);
    const scope = { accountId: task.accountId, region: task.region };
    const definition = task.taskDefinitionArn ? findTaskDefinition(store, scope, task.taskDefinitionArn) : undefined;
    const instanceArn = task.containerInstanceArn;
    const id = instanceArn?.slice(instanceArn.lastIndexOf('/') + 1);
    const instance = id ? store.containerInstances.get(`${clusterNameOf(task.clusterArn)}/${id}`) : undefined;
    return {
      networkMode: definition?.taskDefinition.networkMode ?? 'bridge',
      instanceId: instance?.ec2InstanceId ?? (id ? localEc2InstanceId(id) : undefined),
    };
  }

  /** The stored service an UpdateService names (by name or ARN, in its cluster or `default`), if any. */
  private serviceByReference(input: UpdateServiceRequest, scope: { accountId: string; region: string }) {
    const last = (reference: string) => reference.slice(reference.lastIndexOf('/') + 1);
    const clusterName = input.cluster ? last(input.cluster) : 'default';
    if (!input.service) return undefined;
    return this.stores.get(scope.accountId, scope.region).services.get(`${clusterName}/${last(input.service)}`);
  }

  /** The stored service a task was started for (`group` = `service:<name>`). */
  private serviceRecordOf(task: TaskRecord): ServiceRecord | undefined {
    if (!task.group?.startsWith('service:')) return undefined;
    const serviceName = task.group.slice('service:'.length);
    const clusterName = clusterNameOf(task.clusterArn);
    return this.stores.get(task.accountId, task.region).services.get(`${clusterName}/${serviceName}`);
  }

  /** Adds an event to a task's service, written at once (the scheduler's passes run synchronously). */
  private addServiceEvent(task: TaskRecord, message: string): void {
    const service = this.serviceRecordOf(task);
    if (!service) return;
    const key = `${clusterNameOf(task.clusterArn)}/${service.serviceName!}`;
    this.stores
      .get(task.accountId, task.region)
      .services.put(key, { ...service, events: withEvents(service.events, [message]) });
  }

  private place(ref: TaskRef): void {
    const record = this.repository.get(ref);
    if (!record || record.containerInstanceArn) return;
    if (record.launchType !== 'EC2' && record.launchType !== 'EXTERNAL') return;
    const store = this.stores.get(ref.accountId, ref.region);
    const scope = { accountId: ref.accountId, region: ref.region };
    const placed = placeLaunchedTask(
      { store, scope, engine: this.engine, strict: this.config.strictValidation },
      record,
    );
    if ('reason' in placed) throw new TaskStartError(placed.reason);
    this.runtime.mutate(ref, (r) => {
      r.containerInstanceArn = placed.containerInstanceArn;
    });
  }

  private async engineAvailable(): Promise<boolean> {
    if (this.supervisor.available) return true;
    try {
      await this.backend.ping();
      return true;
    } catch {
      return false;
    }
  }
}
