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
 * discovery/task-registries.ts.
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

/**
 * The tasks of a Service Connect service that serve its aliases: those launched by a deployment with
 * Service Connect. During a rollout that added it, the old deployment's tasks run no Service Connect and are
 * in no Cloud Map service, so clients reach only the new deployment's tasks, as in ECS.
 */
export function serviceConnectTasks<T extends { readonly startedBy?: string; readonly clusterArn: string }>(
  service: ServiceRecord,
  tasks: readonly T[],
  revisionOf: (key: string) => ServiceRevisionRecord | undefined,
): T[] {
  return tasks.filter((task) => taskServiceConnect(task, service, revisionOf) !== undefined);
}
