import type { LoadBalancer } from '@aws-sdk/client-ecs';
import { clusterNameOf } from '../arn';
import { keyOf, revisionIdOf } from '../domain/service-deployments';

/**
 * The load balancers a service task registers in: those of its own deployment's service revision (an
 * UpdateService that changes them starts a new deployment; the old deployment's tasks stay in the old
 * groups until they drain out), else, for a task of no known revision, the service's.
 */
export function taskLoadBalancers(
  task: { readonly startedBy?: string; readonly clusterArn: string },
  service: { readonly serviceName?: string; readonly loadBalancers?: LoadBalancer[] },
  revisionLoadBalancers: (key: string) => readonly LoadBalancer[] | undefined,
): readonly LoadBalancer[] {
  if (task.startedBy?.startsWith('ecs-svc/') && service.serviceName) {
    const key = keyOf(clusterNameOf(task.clusterArn), service.serviceName, revisionIdOf(task.startedBy));
    const own = revisionLoadBalancers(key);
    if (own) return own;
  }
  return service.loadBalancers ?? [];
}
