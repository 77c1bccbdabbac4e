import path from 'node:path';
import {
  AccountRegionStores,
  OperationTable,
  type GatewayInfo,
  type ProviderContext,
  type ProviderHealth,
  type RequestContext,
  type ServiceProvider,
} from '@localcloud/gateway';
import { openStateStore, type StateStore } from '@localcloud/persistence';
import { DockerodeBackend, engineOptionsFromDockerHost, type ContainerBackend } from '@localcloud/docker-backend';
import { ECS_OPERATIONS } from './generated/ecs-operations';
import { ECS_HANDLERS } from './operations';
import { ECS_TABLES, EcsStore } from './store/ecs-store';
import { InputValidator } from './validation/input-validator';
import type { EcsScope } from './ecs-scope';
import { loadEcsRuntimeConfig, type EcsRuntimeConfig } from './runtime/runtime-config';
import { TaskRuntime } from './runtime/task-runtime';
import { TaskSupervisor } from './runtime/task-supervisor';
import { StoreTaskRepository } from './runtime/task-repository';
import { ScopedTasks } from './runtime/scoped-tasks';
import type { TaskRecord } from './runtime/task-record';

export interface EcsProviderOptions {
  /** The container engine; the local Docker engine (DOCKER_HOST or its socket) by default. */
  readonly backend?: ContainerBackend;
}

/** Amazon ECS as a localcloud provider plugin. */
export class EcsProvider implements ServiceProvider {
  readonly service = { name: 'ecs', targetPrefix: 'AmazonEC2ContainerServiceV20141113', protocol: 'json1.1' } as const;
  readonly operations: ReadonlySet<string> = new Set(ECS_OPERATIONS);
  private readonly table = new OperationTable<EcsScope>('ecs', ECS_HANDLERS);
  private readonly validator = new InputValidator();
  /** One durable store for all of ECS's state; every account and region sees only its own part of it. */
  private readonly state: StateStore;
  private readonly stores: AccountRegionStores<EcsStore>;
  private readonly config: EcsRuntimeConfig;
  private readonly backend: ContainerBackend;
  private readonly repository: StoreTaskRepository;
  private readonly runtime: TaskRuntime;
  private readonly supervisor: TaskSupervisor;
  private endpointUrl?: string;

  constructor(
    private readonly context: ProviderContext,
    options: EcsProviderOptions = {},
  ) {
    const { enabled, dataDir } = context.persistence;
    this.config = loadEcsRuntimeConfig(context.env);
    this.state = openStateStore({ dir: enabled ? path.join(dataDir, 'ecs') : undefined });
    this.stores = new AccountRegionStores((accountId, region) => new EcsStore(this.state, { accountId, region }));
    this.backend = options.backend ?? new DockerodeBackend(engineOptionsFromDockerHost(context.env.DOCKER_HOST));
    this.repository = new StoreTaskRepository(this.stores, this.state.table<TaskRecord>(ECS_TABLES.tasks));
    this.runtime = new TaskRuntime({
      backend: this.backend,
      repository: this.repository,
      config: this.config,
      logger: context.logger,
      endpointUrl: () => this.endpointUrl,
    });
    this.supervisor = new TaskSupervisor(
      this.backend,
      this.runtime,
      this.repository,
      this.config,
      context.logger,
      (arn) => this.repository.has(arn),
    );
  }

  validateInput(operation: string, input: unknown): void {
    this.validator.validate(operation, input);
  }

  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    const tasks = new ScopedTasks(store.tasks, this.runtime, () => this.engineAvailable());
    return this.table.dispatch(operation, input, { scope, store, tasks }, request);
  }

  /** Follows the engine and reconciles stored tasks with it; an absent engine is retried in the background. */
  async start(gateway: GatewayInfo): Promise<void> {
    this.endpointUrl = this.config.taskEndpointUrl ?? `http://host.docker.internal:${gateway.port}`;
    await this.supervisor.start();
  }

  /**
   * Without persistence the tasks are forgotten, so their containers go too; with it they keep
   * running, to be re-adopted by the next start.
   */
  async stop(): Promise<void> {
    this.supervisor.close();
    await this.runtime.settle();
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
