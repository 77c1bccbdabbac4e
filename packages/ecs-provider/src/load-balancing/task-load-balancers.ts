import type { LoadBalancer } from '@aws-sdk/client-ecs';
import { clusterNameOf } from '../arn';
import { keyOf, revisionIdOf } from '../domain/service-deployments';

/**
 * The load balancers a service task registers in: a task set's task, its task set's (CreateTaskSet's
 * `loadBalancers`: each task set of an EXTERNAL service has its own target groups, so blue and green are
 * apart until the deployer shifts traffic); else those of its own deployment's service revision (an
 * UpdateService that changes them starts a new deployment; the old deployment's tasks stay in the old
 * groups until they drain out); else, for a task of no known revision, the service's. Mirrors
 * discovery/task-registries.ts.
 */
export function taskLoadBalancers(
  task: { readonly startedBy?: string; readonly clusterArn: string },
  service: {
    readonly serviceName?: string;
    readonly loadBalancers?: LoadBalancer[];
    readonly taskSets?: readonly { readonly id?: string; readonly loadBalancers?: LoadBalancer[] }[];
  },
  revisionLoadBalancers: (key: string) => readonly LoadBalancer[] | undefined,
): readonly LoadBalancer[] {
  const taskSet = task.startedBy ? service.taskSets?.find((s) => s.id === task.startedBy) : undefined;
  if (taskSet) return taskSet.loadBalancers ?? [];
  if (task.startedBy?.startsWith('ecs-svc/') && service.serviceName) {
    const key = keyOf(clusterNameOf(task.clusterArn), service.serviceName, revisionIdOf(task.startedBy));
    const own = revisionLoadBalancers(key);
    if (own) return own;
  }
  return service.loadBalancers ?? [];
}
