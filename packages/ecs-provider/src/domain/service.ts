import type {
  Deployment,
  DeploymentConfiguration,
  Service,
  ServiceField,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { ServiceRecord } from '../store/records';
import type { TaskRecord } from '../runtime/task-record';
import type { ScopedTasks } from '../runtime/scoped-tasks';

/** ECS's defaults for a rolling update (REPLICA); DAEMON services may go down to 0 % while they roll. */
export const DEFAULT_DEPLOYMENT_CONFIGURATION = {
  replica: { minimumHealthyPercent: 100, maximumPercent: 200 },
  daemon: { minimumHealthyPercent: 0, maximumPercent: 100 },
} as const;

/** ECS keeps the 100 most recent events of a service. */
export const MAX_SERVICE_EVENTS = 100;

/** What the scheduler keeps about a service beyond the ECS shape; never shown to clients. */
export interface ServiceSchedulerState {
  /** Task definition ARN of the last deployment that COMPLETED: where a rollback returns to. */
  readonly lastCompletedTaskDefinition?: string;
  /**
   * The last deployment that COMPLETED (`ecs-svc/…`): a circuit breaker rollback restores its whole
   * service revision, load balancers and registries included, not only its task definition.
   */
  readonly lastCompletedDeploymentId?: string;
  /** Whether "has reached a steady state" was said since the service last changed. */
  readonly steady?: boolean;
  /**
   * The service deployment (its id) each listed deployment belongs to, by deployment id (`ecs-svc/…`):
   * its own, or for a rollback the one it rolls back (domain/service-deployments.ts).
   */
  readonly serviceDeployments?: Readonly<Record<string, string>>;
}

/** ECS deployment ids are `ecs-svc/` and 19 digits; its tasks carry the id as `startedBy`. */
export function newDeploymentId(): string {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return `ecs-svc/${digits}`;
}

/** The `group` of a service's tasks. */
export const serviceGroup = (serviceName: string) => `service:${serviceName}`;

/** The circuit breaker's threshold: half the desired count, at least 3 and at most 200 failed tasks. */
export function failureThreshold(desiredCount: number): number {
  return Math.max(3, Math.min(200, Math.ceil(0.5 * desiredCount)));
}

/** minimumHealthyPercent/maximumPercent with ECS's defaults for the scheduling strategy filled in. */
export function effectiveDeploymentConfiguration(
  service: Service,
): Required<Pick<DeploymentConfiguration, 'minimumHealthyPercent' | 'maximumPercent'>> & DeploymentConfiguration {
  const defaults =
    service.schedulingStrategy === 'DAEMON'
      ? DEFAULT_DEPLOYMENT_CONFIGURATION.daemon
      : DEFAULT_DEPLOYMENT_CONFIGURATION.replica;
  const given = service.deploymentConfiguration ?? {};
  return {
    ...given,
    minimumHealthyPercent: given.minimumHealthyPercent ?? defaults.minimumHealthyPercent,
    maximumPercent: given.maximumPercent ?? defaults.maximumPercent,
  };
}

/** A task as the scheduler sees it: counted while it is wanted (desiredStatus RUNNING). */
export function isLive(task: TaskRecord): boolean {
  return task.desiredStatus === 'RUNNING' && task.lastStatus !== 'STOPPED';
}

/** RUNNING, and HEALTHY when an essential container has a health check. */
export function isHealthyRunning(task: TaskRecord): boolean {
  if (!isLive(task) || task.lastStatus !== 'RUNNING') return false;
  const checked = task.runtime?.containers.some((c) => c.essential && c.hasHealthCheck) ?? false;
  return checked ? task.healthStatus === 'HEALTHY' : task.healthStatus !== 'UNHEALTHY';
}

/** A stopped task that counts as a failure of its deployment (circuit breaker, throttling). */
export function isFailedTask(task: TaskRecord): boolean {
  if (task.lastStatus !== 'STOPPED' && task.desiredStatus !== 'STOPPED') return false;
  if (task.stopCode === 'TaskFailedToStart' || task.stopCode === 'EssentialContainerExited') return true;
  return task.stoppedReason?.startsWith('Task failed container health checks') ?? false;
}

export interface DeploymentCounts {
  running: number;
  pending: number;
  failed: number;
}

/** Running, pending and failed tasks of each deployment (by id), from the service's tasks. */
export function countByDeployment(tasks: readonly TaskRecord[]): Map<string, DeploymentCounts> {
  const counts = new Map<string, DeploymentCounts>();
  for (const task of tasks) {
    const id = task.startedBy ?? '';
    const entry = counts.get(id) ?? { running: 0, pending: 0, failed: 0 };
    if (isLive(task)) {
      if (task.lastStatus === 'RUNNING') entry.running += 1;
      else entry.pending += 1;
    } else if (isFailedTask(task)) entry.failed += 1;
    counts.set(id, entry);
  }
  return counts;
}

/**
 * The service's tasks, oldest first: those of its cluster in its group (the store's index by group, so
 * this costs the service's own tasks, not the cluster's).
 */
export function tasksOfService(
  service: ServiceRecord,
  tasks: Pick<ScopedTasks, 'inGroup'>,
  clusterName: string,
): TaskRecord[] {
  // A service re-created under an old name does not inherit the tasks of its predecessor.
  const since = service.createdAt?.getTime() ?? 0;
  return tasks.inGroup(clusterName, serviceGroup(service.serviceName!), since - 1);
}

/**
 * The service as the API shows it: counts derived from its tasks (never stored), scheduler internals
 * left out, tags only when asked for.
 */
export function serviceView(
  record: ServiceRecord,
  tasks: readonly TaskRecord[],
  options: { include?: readonly ServiceField[]; tags?: boolean } = {},
): Service {
  const {
    scheduler: _scheduler,
    serviceConnectConfiguration: _serviceConnect,
    serviceConnectResources: _serviceConnectResources,
    serviceConnectNamespaceName: _serviceConnectNamespaceName,
    tags,
    ...rest
  } = record;
  const counts = countByDeployment(tasks);
  const live = record.status === 'INACTIVE' ? [] : (record.deployments ?? []);
  const deployments: Deployment[] = live.map((d) => {
    const c = counts.get(d.id!) ?? { running: 0, pending: 0, failed: 0 };
    return { ...d, runningCount: c.running, pendingCount: c.pending, failedTasks: c.failed };
  });
  const view: Service = {
    ...rest,
    deployments,
    runningCount: deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0),
    pendingCount: deployments.reduce((n, d) => n + (d.pendingCount ?? 0), 0),
  };
  if (options.tags ?? options.include?.includes('TAGS') ?? true) view.tags = tags ?? [];
  return view;
}

/** Tags for a new task of the service: `propagateTags`, and ECS-managed tags when enabled. */
export function serviceTaskTags(service: ServiceRecord, definitionTags: readonly Tag[], clusterName: string): Tag[] {
  const tags: Tag[] = [];
  const add = (list: readonly Tag[]) => {
    for (const tag of list) if (!tags.some((t) => t.key === tag.key)) tags.push({ ...tag });
  };
  if (service.propagateTags === 'SERVICE') add(service.tags ?? []);
  if (service.propagateTags === 'TASK_DEFINITION') add(definitionTags);
  if (service.enableECSManagedTags) {
    add([
      { key: 'aws:ecs:clusterName', value: clusterName },
      { key: 'aws:ecs:serviceName', value: service.serviceName! },
    ]);
  }
  return tags;
}

/** Whether the task definition has an essential container with a health check. */
export function hasHealthCheck(definition: TaskDefinition): boolean {
  return (definition.containerDefinitions ?? []).some((c) => c.essential !== false && c.healthCheck);
}

/** A new PRIMARY deployment of the service's current settings with the given task definition. */
export function newDeployment(service: ServiceRecord, taskDefinition: string, now: Date): Deployment {
  return {
    id: newDeploymentId(),
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.schedulingStrategy === 'DAEMON' ? 1 : (service.desiredCount ?? 0),
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    launchType: service.launchType,
    capacityProviderStrategy: service.capacityProviderStrategy,
    platformVersion: service.platformVersion,
    platformFamily: service.platformFamily,
    networkConfiguration: service.networkConfiguration,
    serviceConnectConfiguration: service.serviceConnectConfiguration,
    serviceConnectResources: service.serviceConnectConfiguration ? service.serviceConnectResources : undefined,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment detected.',
  };
}
