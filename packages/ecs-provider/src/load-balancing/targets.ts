import { createHash } from 'node:crypto';
import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';

/** One ELBv2 target of a task: what RegisterTargets / DeregisterTargets are called with. */
export interface TaskTarget {
  readonly targetGroupArn: string;
  readonly accountId: string;
  readonly region: string;
  /** The awsvpc task's ENI address (an `ip` target), or its container instance's EC2 id (`instance`). */
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
 * Where a task is reached, as ECS registers it: an awsvpc task at its ENI's private IP on the container
 * port (as on Fargate; the gateway on a Linux host routes to Docker's networks); a bridge or host task as
 * on EC2, at its container instance's EC2 id on the host port the container port is published on (the
 * load balancer reaches an instance target on this machine's loopback).
 */
function endpointOf(task: TaskRecord, lb: LoadBalancer, host: TaskHost): { id: string; port: number } | undefined {
  if (lb.containerPort === undefined) return undefined;
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  if (eni) {
    const ip = eni.details?.find((d) => d.name === 'privateIPv4Address')?.value;
    return ip ? { id: ip, port: lb.containerPort } : undefined;
  }
  const container = task.containers?.find((c) => c.name === lb.containerName);
  const binding = container?.networkBindings?.find((b) => b.containerPort === lb.containerPort);
  // host mode publishes nothing: the container port is the host's own.
  const hostPort = binding?.hostPort ?? (container && host.networkMode === 'host' ? lb.containerPort : undefined);
  return host.instanceId && hostPort ? { id: host.instanceId, port: hostPort } : undefined;
}

/**
 * The EC2 id an instance target of the local instance (the Docker engine, which has no EC2 instance of its
 * own) is registered under: stable, derived from its container instance id, in EC2's form
 * (`i-` and 17 hex digits), so ELBv2 accepts it and DescribeTargetHealth shows one id per instance.
 */
export function localEc2InstanceId(containerInstanceId: string): string {
  return `i-${createHash('sha256').update(containerInstanceId).digest('hex').slice(0, 17)}`;
}

/** What a bridge or host task's targets need to know of where it runs. */
export interface TaskHost {
  /** The EC2 instance id of the task's container instance. */
  readonly instanceId?: string;
  /** The task definition's network mode. */
  readonly networkMode?: string;
}

/**
 * The targets a RUNNING task of a service registers (see `endpointOf`); entries that are not target group
 * ARNs, or whose container port the task does not expose, are `skipped`.
 */
export function targetsOf(
  task: TaskRecord,
  loadBalancers: readonly LoadBalancer[],
  host: TaskHost = {},
): { targets: TaskTarget[]; skipped: string[] } {
  const targets: TaskTarget[] = [];
  const skipped: string[] = [];
  for (const lb of loadBalancers) {
    const match = TARGET_GROUP_ARN.exec(lb.targetGroupArn ?? '');
    const endpoint = match ? endpointOf(task, lb, host) : undefined;
    if (!match || !endpoint) {
      skipped.push(lb.targetGroupArn ?? lb.loadBalancerName ?? '');
      continue;
    }
    targets.push({ targetGroupArn: lb.targetGroupArn!, region: match[1]!, accountId: match[2]!, ...endpoint });
  }
  return { targets, skipped };
}
