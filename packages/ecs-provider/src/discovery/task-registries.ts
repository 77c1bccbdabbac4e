import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import { clusterNameOf } from '../arn';
import { keyOf, revisionIdOf } from '../domain/service-deployments';

/**
 * The Cloud Map registries a service task registers in: a task set's task, its task set's (CreateTaskSet's
 * `serviceRegistries`: each task set of an EXTERNAL service has its own); else those of its own
 * deployment's service revision (an UpdateService that changes them starts a new deployment; the old
 * deployment's tasks stay in the old Cloud Map services until they stop); else, for a task of no known
 * revision, the service's. Mirrors load-balancing/task-load-balancers.ts.
 */
export function taskServiceRegistries(
  task: { readonly startedBy?: string; readonly clusterArn: string },
  service: {
    readonly serviceName?: string;
    readonly serviceRegistries?: ServiceRegistry[];
    readonly taskSets?: readonly { readonly id?: string; readonly serviceRegistries?: ServiceRegistry[] }[];
  },
  revisionRegistries: (key: string) => readonly ServiceRegistry[] | undefined,
): readonly ServiceRegistry[] {
  const taskSet = task.startedBy ? service.taskSets?.find((s) => s.id === task.startedBy) : undefined;
  if (taskSet) return taskSet.serviceRegistries ?? [];
  if (task.startedBy?.startsWith('ecs-svc/') && service.serviceName) {
    const key = keyOf(clusterNameOf(task.clusterArn), service.serviceName, revisionIdOf(task.startedBy));
    const own = revisionRegistries(key);
    if (own) return own;
  }
  return service.serviceRegistries ?? [];
}
