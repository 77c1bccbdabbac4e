import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';

/** One ELBv2 target of a task: what RegisterTargets / DeregisterTargets are called with. */
export interface TaskTarget {
  readonly targetGroupArn: string;
  readonly accountId: string;
  readonly region: string;
  /** The awsvpc task's ENI address (an `ip` target). */
  readonly id: string;
  readonly port: number;
}

const TARGET_GROUP_ARN = /^arn:[^:]+:elasticloadbalancing:([^:]+):(\d{12}):targetgroup\/[^/]+\/[0-9a-f]+$/;

/**
 * Whether a task of a service belongs in its target groups now: RUNNING and wanted, and not failing its
 * container health checks.
 */
export function shouldBeTargets(task: TaskRecord): boolean {
  return task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING' && task.healthStatus !== 'UNHEALTHY';
}

/**
 * The targets a RUNNING task of a service registers: an awsvpc task is registered as ECS does on Fargate,
 * its ENI's private IP on the container port (the gateway on a Linux host routes to Docker's networks).
 * bridge and host tasks are not registered yet (`skipped`), nor entries that are not target group ARNs.
 */
export function targetsOf(
  task: TaskRecord,
  loadBalancers: readonly LoadBalancer[],
): { targets: TaskTarget[]; skipped: string[] } {
  const targets: TaskTarget[] = [];
  const skipped: string[] = [];
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  const ip = eni?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
  for (const lb of loadBalancers) {
    const match = TARGET_GROUP_ARN.exec(lb.targetGroupArn ?? '');
    if (!match || !ip || lb.containerPort === undefined) {
      skipped.push(lb.targetGroupArn ?? lb.loadBalancerName ?? '');
      continue;
    }
    targets.push({
      targetGroupArn: lb.targetGroupArn!,
      region: match[1]!,
      accountId: match[2]!,
      id: ip,
      port: lb.containerPort,
    });
  }
  return { targets, skipped };
}
