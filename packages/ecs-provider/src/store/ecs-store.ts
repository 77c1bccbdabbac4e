import type { StateStore } from '@localcloud/persistence';
import type { Scope } from '../arn';
import { ScopedTable } from './scoped-table';
import { TASK_INDEX_MEMBERS, TaskIndex } from './task-index';
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

  constructor(
    private readonly state: StateStore,
    readonly scope: Scope,
  ) {
    const prefix = `${scope.accountId}/${scope.region}/`;
    this.clusters = new ScopedTable(state.table(ECS_TABLES.clusters), prefix);
    this.taskDefinitions = new ScopedTable(state.table(ECS_TABLES.taskDefinitions), prefix);
    this.families = new ScopedTable(state.table(ECS_TABLES.families), prefix, { sorted: true });
    this.accountSettings = new ScopedTable(state.table(ECS_TABLES.accountSettings), prefix);
    this.services = new ScopedTable(state.table(ECS_TABLES.services), prefix);
    this.tasks = new ScopedTable<TaskRecord>(state.table(ECS_TABLES.tasks), prefix, {
      onChange: (key, before, after) => this.taskIndex.changed(key, before, after),
      indexMembers: TASK_INDEX_MEMBERS,
    });
    this.capacityProviders = new ScopedTable(state.table(ECS_TABLES.capacityProviders), prefix);
    this.containerInstances = new ScopedTable(state.table(ECS_TABLES.containerInstances), prefix);
    this.serviceDeployments = new ScopedTable(state.table(ECS_TABLES.serviceDeployments), prefix);
    this.serviceRevisions = new ScopedTable(state.table(ECS_TABLES.serviceRevisions), prefix);
    this.daemonTaskDefinitions = new ScopedTable(state.table(ECS_TABLES.daemonTaskDefinitions), prefix);
    this.daemons = new ScopedTable(state.table(ECS_TABLES.daemons), prefix);
    this.daemonRevisions = new ScopedTable(state.table(ECS_TABLES.daemonRevisions), prefix);
    this.daemonDeployments = new ScopedTable(state.table(ECS_TABLES.daemonDeployments), prefix);
  }

  /**
   * Builds every in-memory index of this account's and region's state again from the durable tables
   * (each view's keys, the sorted family names, the task index): what the constructor does, for a caller
   * whose tables changed underneath (e.g. changes undone after a failed sync).
   */
  loadIndexes(): void {
    this.taskIndex.clear();
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

  /** Applies several puts/deletes atomically: after a crash either all of them are there or none. */
  transaction(fn: () => void): void {
    this.state.transaction(fn);
  }
}
