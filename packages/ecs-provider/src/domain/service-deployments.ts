import { randomBytes } from 'node:crypto';
import type {
  Deployment,
  ServiceDeployment,
  ServiceDeploymentBrief,
  ServiceDeploymentStatus,
  ServiceRevision,
  ServiceRevisionSummary,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { parseArn, serviceDeploymentArn, serviceRevisionArn, type Scope } from '../arn';
import type { TaskRecord } from '../runtime/task-record';
import type { ServiceDeploymentRecord, ServiceRecord, ServiceRevisionRecord } from '../store/records';
import { countByDeployment, failureThreshold } from './service';

/*
 * Service deployments and service revisions (ListServiceDeployments, DescribeServiceDeployments,
 * DescribeServiceRevisions, StopServiceDeployment). Every deployment the scheduler makes (`ecs-svc/<digits>`
 * in DescribeServices) has a service revision whose id is those digits, so a client can find the service
 * deployment of a deployment the way Terraform does: the revision ARN contains the deployment id's digits.
 * A service deployment is created for CreateService and for each UpdateService that starts a deployment;
 * a rollback (circuit breaker or StopServiceDeployment) belongs to the service deployment it rolls back.
 */

/** Statuses after which a service deployment no longer changes. */
export const FINISHED_STATUSES: ReadonlySet<ServiceDeploymentStatus> = new Set([
  'SUCCESSFUL',
  'STOPPED',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);

export const isFinished = (record: ServiceDeploymentRecord) => FINISHED_STATUSES.has(record.status!);

/** Service deployment ids look like ECS's: 22 URL-safe random characters. */
export function newServiceDeploymentId(): string {
  return randomBytes(16).toString('base64url');
}

/** The revision id of a deployment: the digits of `ecs-svc/<digits>`. */
export function revisionIdOf(deploymentId: string): string {
  return deploymentId.slice(deploymentId.indexOf('/') + 1);
}

/** The table key of a service deployment or revision: `cluster/service/id`. */
export const keyOf = (clusterName: string, serviceName: string, id: string) => `${clusterName}/${serviceName}/${id}`;

/** `cluster/service/id` of a service deployment or revision ARN of this type; undefined otherwise. */
export function keyOfArn(arn: string, type: 'service-deployment' | 'service-revision'): string | undefined {
  const parsed = parseArn(arn);
  if (parsed?.resourceType !== type || parsed.resource.split('/').length !== 3) return undefined;
  return parsed.resource;
}

function names(service: ServiceRecord): { cluster: string; service: string } {
  return { cluster: parseArn(service.clusterArn)!.resource, service: service.serviceName! };
}

export function revisionArnOf(scope: Scope, service: ServiceRecord, deploymentId: string): string {
  const n = names(service);
  return serviceRevisionArn(scope, n.cluster, n.service, revisionIdOf(deploymentId));
}

/** The immutable snapshot of what a deployment deploys. */
export function newServiceRevision(
  scope: Scope,
  service: ServiceRecord,
  deployment: Deployment,
  definition: TaskDefinition | undefined,
): ServiceRevisionRecord {
  const revision: ServiceRevision = {
    serviceRevisionArn: revisionArnOf(scope, service, deployment.id!),
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    taskDefinition: deployment.taskDefinition,
    capacityProviderStrategy: deployment.capacityProviderStrategy,
    launchType: deployment.launchType,
    platformVersion: deployment.platformVersion,
    platformFamily: deployment.platformFamily,
    loadBalancers: service.loadBalancers ?? [],
    serviceRegistries: service.serviceRegistries ?? [],
    networkConfiguration: deployment.networkConfiguration,
    containerImages: (definition?.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image })),
    guardDutyEnabled: false,
    serviceConnectConfiguration: deployment.serviceConnectConfiguration,
    createdAt: deployment.createdAt,
  };
  const record = structuredClone(revision) as ServiceRevisionRecord;
  if (deployment.serviceConnectConfiguration) {
    record.local = structuredClone({
      serviceConnectResources: service.serviceConnectResources,
      serviceConnectNamespaceName: service.serviceConnectNamespaceName,
    });
  }
  return record;
}

const summary = (arn: string): ServiceRevisionSummary => ({
  arn,
  requestedTaskCount: 0,
  runningTaskCount: 0,
  pendingTaskCount: 0,
});

/** A new service deployment (PENDING) from the service's older deployments to its new PRIMARY one. */
export function newServiceDeployment(
  scope: Scope,
  service: ServiceRecord,
  target: Deployment,
  sources: readonly Deployment[],
): ServiceDeploymentRecord {
  const n = names(service);
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const alarms = service.deploymentConfiguration?.alarms;
  return {
    serviceDeploymentArn: serviceDeploymentArn(scope, n.cluster, n.service, newServiceDeploymentId()),
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    createdAt: target.createdAt!,
    updatedAt: target.createdAt,
    sourceServiceRevisions: sources.map((d) => summary(revisionArnOf(scope, service, d.id!))),
    targetServiceRevision: summary(revisionArnOf(scope, service, target.id!)),
    status: 'PENDING',
    deploymentConfiguration: structuredClone(service.deploymentConfiguration),
    deploymentCircuitBreaker: breaker?.enable
      ? { status: 'MONITORING', failureCount: 0, threshold: failureThreshold(service.desiredCount ?? 0) }
      : { status: 'DISABLED', failureCount: 0, threshold: 0 },
    // No CloudWatch alarms are evaluated locally (docs/ecs-provider.md).
    alarms: alarms?.enable ? { status: 'DISABLED', alarmNames: alarms.alarmNames ?? [] } : { status: 'DISABLED' },
    local: { deploymentId: target.id!, sourceDeploymentIds: sources.map((d) => d.id!) },
  };
}

/** The service deployment of a deployment (`ecs-svc/…`) by the service's bookkeeping: its key, if any. */
export function serviceDeploymentKeyOf(service: ServiceRecord, deploymentId: string): string | undefined {
  const id = service.scheduler?.serviceDeployments?.[deploymentId];
  if (!id) return undefined;
  const n = names(service);
  return keyOf(n.cluster, n.service, id);
}

/** The id (last ARN part) of a service deployment. */
export const serviceDeploymentIdOf = (record: ServiceDeploymentRecord) =>
  record.serviceDeploymentArn.slice(record.serviceDeploymentArn.lastIndexOf('/') + 1);

/**
 * Copies the task counts of the deployments into the revision summaries: what DescribeServiceDeployments
 * shows while the service deployment runs, and what it keeps once finished.
 */
export function withCounts(
  record: ServiceDeploymentRecord,
  service: ServiceRecord | undefined,
  tasks: readonly TaskRecord[],
): ServiceDeploymentRecord {
  const counts = countByDeployment(tasks);
  const deployments = service?.deployments ?? [];
  const summaryOf = (current: ServiceRevisionSummary | undefined, deploymentId: string): ServiceRevisionSummary => {
    const c = counts.get(deploymentId);
    const deployment = deployments.find((d) => d.id === deploymentId);
    return {
      ...current,
      requestedTaskCount: deployment?.status === 'PRIMARY' ? (deployment.desiredCount ?? 0) : 0,
      runningTaskCount: c?.running ?? 0,
      pendingTaskCount: c?.pending ?? 0,
    };
  };
  const next = structuredClone(record);
  next.targetServiceRevision = summaryOf(record.targetServiceRevision, record.local.deploymentId);
  next.sourceServiceRevisions = (record.sourceServiceRevisions ?? []).map((s, i) =>
    summaryOf(s, record.local.sourceDeploymentIds[i] ?? ''),
  );
  const failed = counts.get(record.local.deploymentId)?.failed ?? 0;
  if (next.deploymentCircuitBreaker && next.deploymentCircuitBreaker.status !== 'DISABLED') {
    next.deploymentCircuitBreaker.failureCount = failed;
  }
  return next;
}

/** Ends a service deployment: its status, when, and its counts as they are now. */
export function finish(
  record: ServiceDeploymentRecord,
  status: ServiceDeploymentStatus,
  statusReason: string,
  now: Date,
  service: ServiceRecord,
  tasks: readonly TaskRecord[],
): ServiceDeploymentRecord {
  const next = withCounts(record, service, tasks);
  next.status = status;
  next.statusReason = statusReason;
  next.updatedAt = now;
  next.finishedAt = now;
  if (status === 'STOPPED') next.stoppedAt = now;
  next.startedAt ??= now;
  if (next.deploymentCircuitBreaker?.status === 'MONITORING')
    next.deploymentCircuitBreaker.status = 'MONITORING_COMPLETE';
  return next;
}

/** The service deployment as DescribeServiceDeployments shows it. */
export function serviceDeploymentView(
  record: ServiceDeploymentRecord,
  service: ServiceRecord | undefined,
  tasks: readonly TaskRecord[],
): ServiceDeployment {
  const { local: _local, ...shown } = isFinished(record) ? record : withCounts(record, service, tasks);
  return shown;
}

/** The service deployment as ListServiceDeployments shows it. */
export function serviceDeploymentBrief(record: ServiceDeploymentRecord): ServiceDeploymentBrief {
  return {
    serviceDeploymentArn: record.serviceDeploymentArn,
    serviceArn: record.serviceArn,
    clusterArn: record.clusterArn,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    targetServiceRevisionArn: record.targetServiceRevision?.arn,
    status: record.status,
    statusReason: record.statusReason,
  };
}
