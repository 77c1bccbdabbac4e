import { clusterNameOf } from '../arn';
import { keyOf, revisionIdOf } from '../domain/service-deployments';
import type { ServiceRecord, ServiceRevisionRecord } from '../store/records';
import type { ServiceConnectState } from './configuration';

/**
 * The Service Connect settings a service task runs with: those of the deployment that launched it, read
 * from its service revision (an UpdateService that adds or removes Service Connect starts a new
 * deployment; ECS applies the new settings only to the new deployment's tasks, so during the rollout old
 * and new tasks differ); for a task of no known revision (a task set's, or one older than revisions),
 * the service's. Undefined when the task runs without Service Connect. Mirrors
 * domain/task-deployment-setting.ts.
 */
export function taskServiceConnect(
  task: { readonly startedBy?: string; readonly clusterArn: string },
  service: ServiceRecord,
  revisionOf: (key: string) => ServiceRevisionRecord | undefined,
): ServiceConnectState | undefined {
  const taskSet = task.startedBy ? service.taskSets?.some((s) => s.id === task.startedBy) : false;
  if (!taskSet && task.startedBy?.startsWith('ecs-svc/') && service.serviceName) {
    const revision = revisionOf(
      keyOf(clusterNameOf(task.clusterArn), service.serviceName, revisionIdOf(task.startedBy)),
    );
    if (revision) {
      const configuration = revision.serviceConnectConfiguration;
      if (!configuration?.enabled) return undefined;
      return {
        configuration,
        resources: revision.local?.serviceConnectResources ?? [],
        namespaceName: revision.local?.serviceConnectNamespaceName,
      };
    }
  }
  if (!service.serviceConnectConfiguration?.enabled) return undefined;
  return {
    configuration: service.serviceConnectConfiguration,
    resources: service.serviceConnectResources ?? [],
    namespaceName: service.serviceConnectNamespaceName,
  };
}

/** Tasks of one service that run with the same Service Connect settings, and the task definition they name ports by. */
export interface ServiceConnectGroup<T> {
  readonly state: ServiceConnectState;
  readonly taskDefinition: string | undefined;
  readonly tasks: T[];
}

/**
 * A service's tasks by the Service Connect settings each runs with (its deployment's): the service's own
 * settings first, when enabled (even with no task yet), then those of older deployments still running.
 * ECS: "Existing tasks and other applications can continue to connect to existing endpoints" and "The
 * behavior of existing tasks and replacement tasks continues to be the same as after the most recent
 * deployment" (Developer Guide, "Amazon ECS Service Connect components"); so during a rollout that turns
 * Service Connect off, the old deployment's tasks, still in Cloud Map, keep serving its aliases until the
 * last of them is STOPPED. Tasks without Service Connect, and STOPPED ones, are in no group.
 */
export function serviceConnectGroups<
  T extends {
    readonly startedBy?: string;
    readonly clusterArn: string;
    readonly taskDefinitionArn?: string;
    readonly lastStatus?: string;
  },
>(
  service: ServiceRecord,
  tasks: readonly T[],
  revisionOf: (key: string) => ServiceRevisionRecord | undefined,
): ServiceConnectGroup<T>[] {
  const groups = new Map<string, { state: ServiceConnectState; taskDefinition: string | undefined; tasks: T[] }>();
  const own = taskServiceConnect({ clusterArn: service.clusterArn }, service, () => undefined);
  if (own) groups.set(JSON.stringify(own), { state: own, taskDefinition: service.taskDefinition, tasks: [] });
  for (const task of tasks) {
    // A STOPPED task serves nothing, and must not keep an older deployment's aliases up.
    if (task.lastStatus === 'STOPPED') continue;
    const state = taskServiceConnect(task, service, revisionOf);
    if (!state) continue;
    const key = JSON.stringify(state);
    const group = groups.get(key) ?? { state, taskDefinition: task.taskDefinitionArn, tasks: [] };
    group.tasks.push(task);
    groups.set(key, group);
  }
  return [...groups.values()];
}
