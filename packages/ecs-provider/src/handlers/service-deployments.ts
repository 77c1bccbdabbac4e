import { quoted } from '@localcloud/gateway';
import type {
  ContinueServiceDeploymentRequest,
  ContinueServiceDeploymentResponse,
  DescribeServiceDeploymentsRequest,
  DescribeServiceDeploymentsResponse,
  DescribeServiceRevisionsRequest,
  DescribeServiceRevisionsResponse,
  Failure,
  ListServiceDeploymentsRequest,
  ListServiceDeploymentsResponse,
  ServiceDeployment,
  ServiceRevision,
  StopServiceDeploymentRequest,
  StopServiceDeploymentResponse,
} from '@aws-sdk/client-ecs';
import { inScope, parseArn } from '../arn';
import type { EcsScope } from '../ecs-scope';
import {
  ConflictException,
  InvalidParameterException,
  ServiceDeploymentNotFoundException,
  UnsupportedFeatureException,
} from '../errors';
import { tasksOfService } from '../domain/service';
import {
  isFinished,
  keyOfArn,
  serviceDeploymentBrief,
  serviceDeploymentKeyOf,
  serviceDeploymentView,
} from '../domain/service-deployments';
import { paginate } from '../pagination';
import type { ServiceDeploymentRecord, ServiceRecord } from '../store/records';
import { resolveCluster } from './resolve-cluster';
import { findService } from './services';

/*
 * ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions, StopServiceDeployment and
 * ContinueServiceDeployment. The scheduler moves service deployments through their statuses
 * (scheduler/reconcile-steps.ts); these handlers read them, and StopServiceDeployment asks for a rollback.
 */

/** ECS takes at most 20 ARNs in one DescribeServiceDeployments or DescribeServiceRevisions. */
const MAX_DESCRIBE = 20;

export function listServiceDeployments(
  input: ListServiceDeploymentsRequest,
  ecs: EcsScope,
): ListServiceDeploymentsResponse {
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const { record: service } = findService(ecs, cluster, input.service!);
  const statuses = input.status?.length ? new Set(input.status) : undefined;
  const after = millis(input.createdAt?.after);
  const before = millis(input.createdAt?.before);
  const since = service.createdAt?.getTime() ?? 0;
  const deployments = [...ecs.store.serviceDeployments.values()]
    .filter((d) => d.serviceArn === service.serviceArn && d.createdAt.getTime() >= since - 1)
    .filter((d) => !statuses || statuses.has(d.status!))
    .filter((d) => after === undefined || d.createdAt.getTime() >= after)
    .filter((d) => before === undefined || d.createdAt.getTime() <= before)
    .reverse() // insertion order, newest last: newest first, also among equal timestamps
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const page = paginate('ListServiceDeployments', deployments, (d) => d.serviceDeploymentArn, input, {
    defaultSize: 20,
    maxSize: 100,
  });
  return { serviceDeployments: page.items.map(serviceDeploymentBrief), nextToken: page.nextToken };
}

export function describeServiceDeployments(
  input: DescribeServiceDeploymentsRequest,
  ecs: EcsScope,
): DescribeServiceDeploymentsResponse {
  const arns = describedArns(input.serviceDeploymentArns, 'serviceDeploymentArns');
  const serviceDeployments: ServiceDeployment[] = [];
  const failures: Failure[] = [];
  for (const arn of arns) {
    const found = lookup(ecs, arn);
    if (!found) {
      failures.push({ arn, reason: 'MISSING' });
      continue;
    }
    const service = serviceOf(ecs, found.record);
    const tasks = service ? tasksOfService(service, ecs.tasks, clusterNameOf(found.key)) : [];
    serviceDeployments.push(serviceDeploymentView(found.record, service, tasks));
  }
  return { serviceDeployments, failures };
}

export function describeServiceRevisions(
  input: DescribeServiceRevisionsRequest,
  ecs: EcsScope,
): DescribeServiceRevisionsResponse {
  const arns = describedArns(input.serviceRevisionArns, 'serviceRevisionArns');
  const serviceRevisions: ServiceRevision[] = [];
  const failures: Failure[] = [];
  for (const arn of arns) {
    const key = scopedKey(ecs, arn, 'service-revision');
    const revision = key ? ecs.store.serviceRevisions.get(key) : undefined;
    if (revision) {
      const { local: _local, ...shown } = revision;
      serviceRevisions.push(structuredClone(shown));
    } else failures.push({ arn, reason: 'MISSING' });
  }
  return { serviceRevisions, failures };
}

/**
 * ROLLBACK: a PENDING or IN_PROGRESS service deployment becomes ROLLBACK_REQUESTED, and the scheduler's
 * next pass starts the rollback to its source revision. Asking again while it rolls back changes nothing.
 */
export function stopServiceDeployment(
  input: StopServiceDeploymentRequest,
  ecs: EcsScope,
): StopServiceDeploymentResponse {
  const found = lookup(ecs, input.serviceDeploymentArn!);
  if (!found) throw new ServiceDeploymentNotFoundException('The service deployment does not exist.');
  const { key, record } = found;
  const stopType = input.stopType ?? 'ROLLBACK';
  if (stopType !== 'ROLLBACK') {
    throw new UnsupportedFeatureException(`The stop type ${stopType} is not supported; use ROLLBACK.`);
  }
  const response = { serviceDeploymentArn: record.serviceDeploymentArn };
  if (['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'STOP_REQUESTED'].includes(record.status!)) return response;
  if (isFinished(record)) {
    throw new ConflictException(`The service deployment is ${record.status} and can no longer be stopped.`);
  }
  const service = serviceOf(ecs, record);
  const primary = service?.deployments?.[0];
  if (!service || service.status !== 'ACTIVE' || !primary || serviceDeploymentKeyOf(service, primary.id!) !== key) {
    throw new ConflictException('The service deployment is not the service’s current deployment.');
  }
  if (!record.sourceServiceRevisions?.length) {
    throw new ConflictException('The service deployment has no source service revision to roll back to.');
  }
  ecs.store.serviceDeployments.put(key, {
    ...structuredClone(record),
    status: 'ROLLBACK_REQUESTED',
    updatedAt: new Date(),
  });
  ecs.scheduler?.kick();
  return response;
}

/** Lifecycle hooks are not run locally, so no service deployment ever waits at one. */
export function continueServiceDeployment(
  input: ContinueServiceDeploymentRequest,
  ecs: EcsScope,
): ContinueServiceDeploymentResponse {
  const found = lookup(ecs, input.serviceDeploymentArn!);
  if (!found) throw new ServiceDeploymentNotFoundException('The service deployment does not exist.');
  throw new InvalidParameterException(
    `The service deployment has no lifecycle hook ${quoted(input.hookId ?? '')} awaiting action: localcloud does not run deployment lifecycle hooks.`,
  );
}

// ---- helpers -----------------------------------------------------------------------------------

function describedArns(arns: string[] | undefined, member: string): string[] {
  if (!arns?.length) throw new InvalidParameterException(`${member} cannot be empty.`);
  if (arns.length > MAX_DESCRIBE) {
    throw new InvalidParameterException(`${member} cannot contain more than ${MAX_DESCRIBE} elements.`);
  }
  return arns;
}

/** The `cluster/service/id` key of an ARN of this account and region, of the given type. */
function scopedKey(ecs: EcsScope, arn: string, type: 'service-deployment' | 'service-revision'): string | undefined {
  const parsed = parseArn(arn);
  return parsed && inScope(parsed, ecs.scope) ? keyOfArn(arn, type) : undefined;
}

function lookup(ecs: EcsScope, arn: string): { key: string; record: ServiceDeploymentRecord } | undefined {
  const key = scopedKey(ecs, arn, 'service-deployment');
  const record = key ? ecs.store.serviceDeployments.get(key) : undefined;
  return key && record ? { key, record } : undefined;
}

const clusterNameOf = (key: string) => key.slice(0, key.indexOf('/'));

/** The service a service deployment belongs to, if it still exists (not one re-created under its name). */
function serviceOf(ecs: EcsScope, record: ServiceDeploymentRecord): ServiceRecord | undefined {
  const key = keyOfArn(record.serviceDeploymentArn, 'service-deployment')!;
  const service = ecs.store.services.get(key.slice(0, key.lastIndexOf('/')));
  if (!service || (service.createdAt?.getTime() ?? 0) > record.createdAt.getTime() + 1) return undefined;
  return service;
}

/** A timestamp member as AWS JSON sends it (epoch seconds), or a Date. */
function millis(value: Date | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.getTime() : Number(value) * 1000;
}
