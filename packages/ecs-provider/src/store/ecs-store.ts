import type { StateStore } from '@localcloud/persistence';
import type { Scope } from '../arn';
import { ScopedTable, type ScopedTableOptions } from './scoped-table';
import { TASK_INDEX_MEMBERS, TaskIndex } from './task-index';
import { TaskDefinitionListings } from './task-definition-listings';
import type { CapacityProviderRecord } from '../domain/capacity-provider-rules';
import type { ContainerInstanceRecord } from '../domain/container-instances';
import type {
  AccountSettingRecord,
  ClusterRecord,
  FamilyRecord,
  ServiceDeploymentRecord,
  ServiceRecord,
  ServiceRevisionRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from './records';
import type {
  DaemonDeploymentRecord,
  DaemonRecord,
  DaemonRevisionRecord,
  DaemonTaskDefinitionRecord,
} from '../domain/daemons';

/** The durable tables of the ECS provider, shared by all accounts and regions, by name. */
export const ECS_TABLES = {
  clusters: 'ecs.clusters',
  taskDefinitions: 'ecs.task-definitions',
  families: 'ecs.task-definition-families',
  accountSettings: 'ecs.account-settings',
  services: 'ecs.services',
  tasks: 'ecs.tasks',
  capacityProviders: 'ecs.capacity-providers',
  containerInstances: 'ecs.container-instances',
  /** Service deployments by `clusterName/serviceName/id` (domain/service-deployments.ts). */
  serviceDeployments: 'ecs.service-deployments',
  /** Service revisions by `clusterName/serviceName/id`: immutable once written. */
  serviceRevisions: 'ecs.service-revisions',
  /** Daemon task definition revisions by `family:revision` (domain/daemons.ts). */
  daemonTaskDefinitions: 'ecs.daemon-task-definitions',
  /** Daemons by `clusterName/daemonName`. */
  daemons: 'ecs.daemons',
  /** Daemon revisions by `clusterName/daemonName/id`: immutable once written. */
  daemonRevisions: 'ecs.daemon-revisions',
  /** Daemon deployments by `clusterName/daemonName/id`. */
  daemonDeployments: 'ecs.daemon-deployments',
  /** How far each running container's awslogs output was delivered, by task ARN (the task agent's). */
  logPositions: 'ecs.log-positions',
  /** Cloud Map deregistrations that failed and are retried, by task ARN (discovery/service-registrar.ts). */
  cloudMapLeftBehind: 'ecs.cloud-map-left-behind',
  /** ELBv2 target deregistrations that failed and are retried, by task ARN (load-balancing/target-registrar.ts). */
  targetsLeftBehind: 'ecs.targets-left-behind',
  /** One record, `id`: the gateway instance that owns this state's containers (runtime/instance-id.ts). */
  instance: 'ecs.instance',
} as const;

/**
 * ECS state of one account in one region: views over the provider's durable tables, scoped to that
 * account and region. Every change is a put or a delete; changes to several records that belong together go
 * through `transaction`.
 */
export class EcsStore {
  /** Clusters by name. */
  readonly clusters: ScopedTable<ClusterRecord>;
  /** Task definition revisions by `family:revision`. */
  readonly taskDefinitions: ScopedTable<TaskDefinitionRecord>;
  /** Revision counters and status by family. */
  readonly families: ScopedTable<FamilyRecord>;
  /** Explicit account settings by `principalArn name`. */
  readonly accountSettings: ScopedTable<AccountSettingRecord>;
  /** Services by `clusterName/serviceName` (written by the service handlers). */
  readonly services: ScopedTable<ServiceRecord>;
  /** Tasks by `clusterName/taskId` (written by the task handlers). */
  readonly tasks: ScopedTable<TaskRecord>;
  /** The same tasks by cluster and desired status, oldest first (ListTasks). */
  readonly taskIndex = new TaskIndex();
  /** The revisions of the families listed by name so far (ListTaskDefinitions' `familyPrefix`). */
  readonly taskDefinitionListings = new TaskDefinitionListings();
  /** The account's own capacity providers by name (FARGATE and FARGATE_SPOT are built in, never stored). */
  readonly capacityProviders: ScopedTable<CapacityProviderRecord>;
  /** Container instances by `clusterName/id`: registered ones, and each cluster's local one once changed. */
  readonly containerInstances: ScopedTable<ContainerInstanceRecord>;
  /** Service deployments by `clusterName/serviceName/id`. */
  readonly serviceDeployments: ScopedTable<ServiceDeploymentRecord>;
  /** Service revisions by `clusterName/serviceName/id`, written once and never changed. */
  readonly serviceRevisions: ScopedTable<ServiceRevisionRecord>;

  readonly daemonTaskDefinitions: ScopedTable<DaemonTaskDefinitionRecord>;
  readonly daemons: ScopedTable<DaemonRecord>;
  readonly daemonRevisions: ScopedTable<DaemonRevisionRecord>;
  readonly daemonDeployments: ScopedTable<DaemonDeploymentRecord>;

  /** Puts and deletes made through these views so far: whether a transaction that threw wrote here. */
  private writes = 0;
  /** Transactions of this store open now: only the outermost one's records are undone when it throws. */
  private depth = 0;

  constructor(
    private readonly state: StateStore,
    readonly scope: Scope,
  ) {
    const prefix = `${scope.accountId}/${scope.region}/`;
    const onWrite = () => this.writes++;
    const view = <T>(name: string, options: ScopedTableOptions<T> = {}) =>
      new ScopedTable<T>(state.table(name), prefix, { ...options, onWrite });
    this.clusters = view(ECS_TABLES.clusters);
    // Kept as objects: keeping them as bytes after put (the store's former `bytesAfterPut`) cost Describe
    // 1.3–1.8× and Register 1.1–1.4× the CPU in the same run for no better p99 (docs/benchmarks.md, tail round).
    this.taskDefinitions = view<TaskDefinitionRecord>(ECS_TABLES.taskDefinitions, {
      afterWrite: (key, record) => this.taskDefinitionListings.written(key, record),
    });
    this.families = view(ECS_TABLES.families, { sorted: true });
    this.accountSettings = view(ECS_TABLES.accountSettings);
    this.services = view(ECS_TABLES.services);
    this.tasks = view<TaskRecord>(ECS_TABLES.tasks, {
      onChange: (key, before, after) => this.taskIndex.changed(key, before, after),
      indexMembers: TASK_INDEX_MEMBERS,
    });
    this.capacityProviders = view(ECS_TABLES.capacityProviders);
    this.containerInstances = view(ECS_TABLES.containerInstances);
    this.serviceDeployments = view(ECS_TABLES.serviceDeployments);
    this.serviceRevisions = view(ECS_TABLES.serviceRevisions);
    this.daemonTaskDefinitions = view(ECS_TABLES.daemonTaskDefinitions);
    this.daemons = view(ECS_TABLES.daemons);
    this.daemonRevisions = view(ECS_TABLES.daemonRevisions);
    this.daemonDeployments = view(ECS_TABLES.daemonDeployments);
  }

  /**
   * Builds every in-memory index of this account's and region's state again from the durable tables
   * (each view's keys, the sorted family names, the task index): what the constructor does, for a caller
   * whose tables changed underneath (e.g. changes undone after a failed sync).
   */
  loadIndexes(): void {
    this.taskIndex.clear();
    this.taskDefinitionListings.clear();
    for (const table of this.views()) table.load();
  }

  private views(): ScopedTable<unknown>[] {
    return [
      this.clusters,
      this.taskDefinitions,
      this.families,
      this.accountSettings,
      this.services,
      this.tasks,
      this.capacityProviders,
      this.containerInstances,
      this.serviceDeployments,
      this.serviceRevisions,
      this.daemonTaskDefinitions,
      this.daemons,
      this.daemonRevisions,
      this.daemonDeployments,
    ] as ScopedTable<unknown>[];
  }

  /**
   * Applies several puts/deletes atomically: after a crash either all of them are there or none. If `fn`
   * throws, or the journal refuses the line, the store undoes the records; the views' indexes (key sets,
   * sorted families, the task index) followed every put, so they are built again from the records in
   * place (requests in flight hold these views: they must not be dropped). Only when something was
   * written, and only by the outermost transaction: an inner one's writes are undone after it returns.
   * (A failed sync after the transaction is ecs-state.ts's onRollback.)
   */
  transaction(fn: () => void): void {
    const writesBefore = this.writes;
    this.depth++;
    try {
      this.state.transaction(fn);
    } catch (error) {
      if (this.depth === 1 && this.writes !== writesBefore) this.loadIndexes();
      throw error;
    } finally {
      this.depth--;
    }
  }
}
