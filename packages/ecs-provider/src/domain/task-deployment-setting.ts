import type { LoadBalancer, ServiceRegistry } from '@aws-sdk/client-ecs';
import { clusterNameOf } from '../arn';
import { keyOf, revisionIdOf } from './service-deployments';
import { usesTaskSets } from './task-sets';

/** The settings of a deployment that say where its tasks register. */
export interface DeploymentSettings {
  readonly loadBalancers?: LoadBalancer[];
  readonly serviceRegistries?: ServiceRegistry[];
}

export type DeploymentSetting = keyof DeploymentSettings;

/**
 * Where a service task registers (its `loadBalancers` or `serviceRegistries`), as the deployment that
 * launched it says, the one answer both registrars (discovery/, load-balancing/) and the task's DNS read:
 * - a task set's task (EXTERNAL or CODE_DEPLOY service): its task set's (each has its own, so blue and
 *   green are apart until the deployer shifts traffic); once its task set is deleted, none: not the
 *   service's, which are its primary task set's (what it joined is left by its registrar's holdings);
 * - else its own deployment's service revision (an UpdateService that changes them starts a new
 *   deployment; the old deployment's tasks stay in the old groups and registries until they stop);
 * - else, for a task of no known revision, the service's.
 */
export function taskDeploymentSetting<K extends DeploymentSetting>(
  setting: K,
  task: { readonly startedBy?: string; readonly clusterArn: string },
  service: DeploymentSettings & {
    readonly serviceName?: string;
    readonly deploymentController?: { readonly type?: string };
    readonly taskSets?: readonly (DeploymentSettings & { readonly id?: string })[];
  },
  revisionOf: (key: string) => DeploymentSettings | undefined,
): NonNullable<DeploymentSettings[K]> {
  const taskSet = task.startedBy ? service.taskSets?.find((s) => s.id === task.startedBy) : undefined;
  if (taskSet) return taskSet[setting] ?? [];
  if (usesTaskSets(service)) return [];
  if (task.startedBy?.startsWith('ecs-svc/') && service.serviceName) {
    const key = keyOf(clusterNameOf(task.clusterArn), service.serviceName, revisionIdOf(task.startedBy));
    const own = revisionOf(key)?.[setting];
    if (own) return own;
  }
  return service[setting] ?? [];
}
