import type { Cluster, ClusterField, ClusterSetting, KeyValuePair } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from '../errors';
import { launchTypeOf } from './launch-type';
import type { ClusterRecord, ServiceRecord, TaskRecord } from '../store/records';
import { truncateText } from '@localcloud/gateway';

/** Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens. */
const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export const DEFAULT_CLUSTER_NAME = 'default';

export function validateClusterName(name: string): void {
  if (!CLUSTER_NAME.test(name)) {
    throw new InvalidParameterException(
      'Cluster name must be 1-255 characters: letters (upper and lower case), numbers, hyphens and underscores.',
    );
  }
}

const CLUSTER_SETTING_VALUES: Readonly<Record<string, readonly string[]>> = {
  containerInsights: ['enhanced', 'enabled', 'disabled'],
};

/** Checks cluster settings and returns them merged over `current` by name. */
export function mergeClusterSettings(
  current: readonly ClusterSetting[],
  given: readonly ClusterSetting[],
): ClusterSetting[] {
  const byName = new Map(current.map((s) => [s.name!, s.value ?? '']));
  for (const setting of given) {
    const name = setting.name!;
    const accepted = CLUSTER_SETTING_VALUES[name];
    if (!accepted || setting.value === undefined || !accepted.includes(setting.value)) {
      throw new InvalidParameterException(
        `Invalid value '${truncateText(setting.value ?? '')}' for the cluster setting ${name}. Valid values: ${(accepted ?? []).join(', ')}.`,
      );
    }
    byName.set(name, setting.value);
  }
  return [...byName].map(([name, value]) => ({ name: name as ClusterSetting['name'], value }));
}

/** Tasks and services that count as present in a cluster, from the store's collections. */
export interface ClusterActivity {
  runningTasksCount: number;
  pendingTasksCount: number;
  activeServicesCount: number;
  statistics: KeyValuePair[];
  /** Services that keep the cluster from being deleted (ACTIVE or DRAINING). */
  liveServices: number;
  /** Tasks that keep the cluster from being deleted (not yet STOPPED). */
  liveTasks: number;
}

export function clusterActivity(
  clusterArn: string,
  tasks: Iterable<TaskRecord>,
  services: Iterable<ServiceRecord>,
): ClusterActivity {
  const counts = {
    runningEC2TasksCount: 0,
    runningFargateTasksCount: 0,
    runningExternalTasksCount: 0,
    pendingEC2TasksCount: 0,
    pendingFargateTasksCount: 0,
    pendingExternalTasksCount: 0,
    activeEC2ServiceCount: 0,
    activeFargateServiceCount: 0,
    activeExternalServiceCount: 0,
    drainingEC2ServiceCount: 0,
    drainingFargateServiceCount: 0,
    drainingExternalServiceCount: 0,
  };
  const kind = (launchType: string | undefined, capacityProvider?: string) => {
    const type = launchTypeOf(launchType, capacityProvider);
    return type === 'FARGATE' ? 'Fargate' : type === 'EXTERNAL' ? 'External' : 'EC2';
  };
  let running = 0;
  let pending = 0;
  let liveTasks = 0;
  for (const task of tasks) {
    if (task.clusterArn !== clusterArn) continue;
    if (task.lastStatus !== 'STOPPED') liveTasks += 1;
    const k = kind(task.launchType, task.capacityProviderName);
    if (task.lastStatus === 'RUNNING') {
      running += 1;
      counts[`running${k}TasksCount` as keyof typeof counts] += 1;
    } else if (
      task.lastStatus === 'PENDING' ||
      task.lastStatus === 'PROVISIONING' ||
      task.lastStatus === 'ACTIVATING'
    ) {
      pending += 1;
      counts[`pending${k}TasksCount` as keyof typeof counts] += 1;
    }
  }
  let active = 0;
  let liveServices = 0;
  for (const service of services) {
    if (service.clusterArn !== clusterArn) continue;
    const k = kind(service.launchType, service.capacityProviderStrategy?.[0]?.capacityProvider);
    if (service.status === 'ACTIVE') {
      active += 1;
      liveServices += 1;
      counts[`active${k}ServiceCount` as keyof typeof counts] += 1;
    } else if (service.status === 'DRAINING') {
      liveServices += 1;
      counts[`draining${k}ServiceCount` as keyof typeof counts] += 1;
    }
  }
  return {
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: active,
    statistics: Object.entries(counts).map(([name, value]) => ({ name, value: String(value) })),
    liveServices,
    liveTasks,
  };
}

/**
 * A cluster as the API shows it: the stored record plus the counts derived from tasks and services.
 * `include` selects the optional parts as DescribeClusters does; undefined shows everything (create/update).
 */
export function clusterView(
  record: ClusterRecord,
  activity: ClusterActivity,
  include?: ReadonlySet<ClusterField>,
): Cluster {
  const { createdAt: _createdAt, settings, tags, configuration, serviceConnectDefaults, ...rest } = record;
  const view: Cluster = {
    ...rest,
    registeredContainerInstancesCount: 0,
    runningTasksCount: activity.runningTasksCount,
    pendingTasksCount: activity.pendingTasksCount,
    activeServicesCount: activity.activeServicesCount,
    statistics: !include || include.has('STATISTICS') ? activity.statistics : [],
    tags: !include || include.has('TAGS') ? (tags ?? []) : [],
  };
  if (!include || include.has('SETTINGS')) view.settings = settings ?? [];
  if ((!include || include.has('CONFIGURATIONS')) && configuration) view.configuration = configuration;
  if (serviceConnectDefaults) view.serviceConnectDefaults = serviceConnectDefaults;
  return view;
}
