import { quoted } from '@localcloud/gateway';
import type { CreateServiceRequest, LoadBalancer, UpdateServiceRequest } from '@aws-sdk/client-ecs';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import type { Scope } from '../arn';
import { serviceByReference } from '../domain/task-service';
import { InvalidParameterException } from '../errors';
import { findTaskDefinition } from '../handlers/task-definitions';
import type { EcsStore } from '../store/ecs-store';

interface TargetGroupShape {
  TargetGroupArn?: string;
  TargetType?: string;
  LoadBalancerArns?: string[];
}

/**
 * CreateService's checks of `loadBalancers`, as ECS makes them: each target group exists, is in use by a
 * load balancer, and its target type fits the task definition's network mode (`ip` for awsvpc, `instance`
 * for bridge and host). Asked of the ELBv2 provider through its own DescribeTargetGroups; without that
 * provider (not in SERVICES) nothing is checked, as nothing is registered.
 */
export async function checkServiceLoadBalancers(
  loadBalancers: readonly LoadBalancer[] | undefined,
  networkMode: string | undefined,
  elb: ServiceProvider | undefined,
  request: RequestContext,
): Promise<void> {
  if (!elb) return;
  const mode = networkMode ?? 'bridge';
  for (const lb of loadBalancers ?? []) {
    const arn = lb.targetGroupArn;
    if (!arn) continue;
    const group = await describeTargetGroup(elb, arn, request);
    if (!group) {
      throw new InvalidParameterException(`The target group with targetGroupArn ${quoted(arn)} does not exist.`);
    }
    if ((group.LoadBalancerArns ?? []).length === 0) {
      throw new InvalidParameterException(
        `The target group with targetGroupArn ${quoted(arn)} does not have an associated load balancer.`,
      );
    }
    const wanted = mode === 'awsvpc' ? 'ip' : 'instance';
    if (group.TargetType !== wanted) {
      throw new InvalidParameterException(
        `The provided target group ${quoted(arn)} has target type ${group.TargetType}, which is incompatible with the ${mode} network mode specified in the task definition.`,
      );
    }
  }
}

/** The operations `checkRequestLoadBalancers` checks (the provider skips it for the others). */
export const LOAD_BALANCER_CHECKED_OPERATIONS: ReadonlySet<string> = new Set(['CreateService', 'UpdateService']);

/**
 * The load balancer check of a CreateService or UpdateService request, made before its handler runs (the
 * ELBv2 provider answers asynchronously): against the request's task definition, else the service's.
 * Without the definition (or the service) the handler answers its own error.
 */
export async function checkRequestLoadBalancers(
  operation: string,
  input: unknown,
  at: { store: EcsStore; scope: Scope; elb: () => Promise<ServiceProvider | undefined>; request: RequestContext },
): Promise<void> {
  if (!LOAD_BALANCER_CHECKED_OPERATIONS.has(operation)) return;
  const { loadBalancers, taskDefinition } = input as CreateServiceRequest | UpdateServiceRequest;
  const current =
    operation === 'UpdateService' ? serviceByReference(at.store, input as UpdateServiceRequest) : undefined;
  const reference = taskDefinition ?? current?.taskDefinition;
  const definition = reference ? findTaskDefinition(at.store, at.scope, reference) : undefined;
  if (definition && loadBalancers?.length && (operation === 'CreateService' || current)) {
    await checkServiceLoadBalancers(loadBalancers, definition.taskDefinition.networkMode, await at.elb(), at.request);
  }
}

async function describeTargetGroup(
  elb: ServiceProvider,
  arn: string,
  request: RequestContext,
): Promise<TargetGroupShape | undefined> {
  const context: RequestContext = {
    requestId: request.requestId,
    service: 'elasticloadbalancing',
    operation: 'DescribeTargetGroups',
    region: request.region,
    accountId: request.accountId,
  };
  try {
    const output = (await elb.handle('DescribeTargetGroups', { TargetGroupArns: [arn] }, context)) as {
      TargetGroups?: TargetGroupShape[];
    };
    return output.TargetGroups?.find((g) => g.TargetGroupArn === arn);
  } catch (error) {
    // Not found, or not a target group ARN at all: ECS refuses either.
    const code = (error as { code?: string }).code;
    if (code === 'TargetGroupNotFound' || code === 'ValidationError') return undefined;
    throw error;
  }
}
