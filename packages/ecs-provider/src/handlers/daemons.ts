import type {
  CreateDaemonRequest,
  CreateDaemonResponse,
  DaemonDeploymentConfiguration,
  DeleteDaemonRequest,
  DeleteDaemonResponse,
  DescribeDaemonDeploymentsRequest,
  DescribeDaemonDeploymentsResponse,
  DescribeDaemonRequest,
  DescribeDaemonResponse,
  DescribeDaemonRevisionsRequest,
  DescribeDaemonRevisionsResponse,
  Failure,
  ListDaemonDeploymentsRequest,
  ListDaemonDeploymentsResponse,
  ListDaemonsRequest,
  ListDaemonsResponse,
  UpdateDaemonRequest,
  UpdateDaemonResponse,
} from '@aws-sdk/client-ecs';
import { quoted } from '@localcloud/gateway';
import type { EcsScope } from '../ecs-scope';
import { DaemonNotActiveException, DaemonNotFoundException, InvalidParameterException } from '../errors';
import {
  daemonArn,
  daemonDeploymentArn,
  daemonGroup,
  daemonRevisionArn,
  keyOfScopedArn,
  newDaemonId,
  type DaemonDeploymentRecord,
  type DaemonRecord,
  type DaemonRevisionRecord,
} from '../domain/daemons';
import { isLive } from '../domain/service';
import { validateTags } from '../domain/tags';
import { paginate } from '../pagination';
import { activeInstancesCount } from './container-instances';
import { requireDaemonTaskDefinition } from './daemon-task-definitions';
import { resolveCluster } from './resolve-cluster';

/*
 * CreateDaemon, UpdateDaemon, DeleteDaemon, DescribeDaemon, ListDaemons, DescribeDaemonDeployments,
 * ListDaemonDeployments and DescribeDaemonRevisions. Each create or update writes an immutable daemon
 * revision and a daemon deployment to it; the daemon scheduler (scheduler/daemon-scheduler.ts) runs one
 * task per container instance and moves the deployment PENDING → IN_PROGRESS → SUCCESSFUL.
 * Local: the capacity provider ARNs are kept as given; the daemon's tasks go on every ACTIVE container
 * instance of the cluster, whatever capacity provider it belongs to (none does locally).
 */

const DAEMON_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const MAX_DESCRIBE = 20;

function validateCapacityProviders(arns: readonly string[] | undefined): string[] {
  if (!arns?.length) throw new InvalidParameterException('capacityProviderArns must contain at least one element.');
  return [...arns];
}

function newRevisionAndDeployment(
  ecs: EcsScope,
  daemon: Pick<DaemonRecord, 'daemonArn' | 'clusterArn' | 'clusterName' | 'daemonName' | 'capacityProviderArns'>,
  request: CreateDaemonRequest | UpdateDaemonRequest,
  taskDefinitionArn: string,
  containerImages: { containerName?: string; image?: string }[],
  source: DaemonRevisionRecord | undefined,
  deploymentConfiguration: DaemonDeploymentConfiguration | undefined,
): { revision: DaemonRevisionRecord; deployment: DaemonDeploymentRecord } {
  const now = new Date();
  const revisionId = newDaemonId();
  const revision: DaemonRevisionRecord = {
    daemonRevisionArn: daemonRevisionArn(ecs.scope, daemon.clusterName, daemon.daemonName, revisionId),
    clusterArn: daemon.clusterArn,
    daemonArn: daemon.daemonArn,
    daemonTaskDefinitionArn: taskDefinitionArn,
    createdAt: now,
    containerImages,
    propagateTags: request.propagateTags ?? 'NONE',
    enableECSManagedTags: request.enableECSManagedTags ?? false,
    enableExecuteCommand: request.enableExecuteCommand ?? false,
    critical: request.critical ?? false,
  };
  const detail = (arn: string) => ({
    arn,
    capacityProviders: daemon.capacityProviderArns.map((cp) => ({ arn: cp })),
  });
  const deployment: DaemonDeploymentRecord = {
    daemonDeploymentArn: daemonDeploymentArn(ecs.scope, daemon.clusterName, daemon.daemonName, newDaemonId()),
    clusterArn: daemon.clusterArn,
    status: 'PENDING',
    targetDaemonRevision: detail(revision.daemonRevisionArn),
    sourceDaemonRevisions: source ? [detail(source.daemonRevisionArn)] : [],
    circuitBreaker: { status: 'DISABLED' },
    alarms: { status: 'DISABLED' },
    deploymentConfiguration: { drainPercent: 25, bakeTimeInMinutes: 0, ...deploymentConfiguration },
    createdAt: now,
    local: { daemonArn: daemon.daemonArn, revisionArn: revision.daemonRevisionArn },
  };
  return { revision, deployment };
}

const revisionKey = (arn: string) => arn.slice(arn.indexOf('/') + 1);

export function createDaemon(input: CreateDaemonRequest, ecs: EcsScope): CreateDaemonResponse {
  const name = input.daemonName!;
  if (!DAEMON_NAME.test(name)) {
    throw new InvalidParameterException(
      'Daemon names can be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
    );
  }
  const cluster = resolveCluster(ecs, input.clusterArn, { createDefault: true });
  const key = `${cluster.clusterName}/${name}`;
  if (ecs.store.daemons.get(key)) throw new InvalidParameterException('Creation of daemon was not idempotent.');
  const definition = requireDaemonTaskDefinition(ecs, input.daemonTaskDefinitionArn!).definition;
  if (definition.status !== 'ACTIVE') throw new InvalidParameterException('The daemon task definition is not ACTIVE.');
  const capacityProviderArns = validateCapacityProviders(input.capacityProviderArns);
  const tags = validateTags(input.tags);
  const arn = daemonArn(ecs.scope, cluster.clusterName, name);
  const base = {
    daemonArn: arn,
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    daemonName: name,
    capacityProviderArns,
  };
  const images = (definition.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image }));
  const { revision, deployment } = newRevisionAndDeployment(
    ecs,
    base,
    input,
    definition.daemonTaskDefinitionArn,
    images,
    undefined,
    input.deploymentConfiguration,
  );
  const now = revision.createdAt!;
  const daemon: DaemonRecord = {
    ...base,
    status: 'ACTIVE',
    createdAt: now,
    updatedAt: now,
    revisionArn: revision.daemonRevisionArn,
    deploymentArn: deployment.daemonDeploymentArn,
    deploymentConfiguration: input.deploymentConfiguration,
    tags,
  };
  ecs.store.transaction(() => {
    ecs.store.daemonRevisions.put(revisionKey(revision.daemonRevisionArn), revision);
    ecs.store.daemonDeployments.put(revisionKey(deployment.daemonDeploymentArn), deployment);
    ecs.store.daemons.put(key, daemon);
  });
  ecs.scheduler?.kick();
  return { daemonArn: arn, status: 'ACTIVE', createdAt: now, deploymentArn: deployment.daemonDeploymentArn };
}

function findDaemon(ecs: EcsScope, reference: string): DaemonRecord {
  const key = keyOfScopedArn(reference, 'daemon', ecs.scope);
  const daemon = key ? ecs.store.daemons.get(key) : undefined;
  if (!daemon) throw new DaemonNotFoundException(`The daemon ${quoted(reference)} does not exist.`);
  return daemon;
}

export function updateDaemon(input: UpdateDaemonRequest, ecs: EcsScope): UpdateDaemonResponse {
  const daemon = structuredClone(findDaemon(ecs, input.daemonArn!));
  if (daemon.status !== 'ACTIVE') throw new DaemonNotActiveException('The daemon is being deleted.');
  const definition = requireDaemonTaskDefinition(ecs, input.daemonTaskDefinitionArn!).definition;
  if (definition.status !== 'ACTIVE') throw new InvalidParameterException('The daemon task definition is not ACTIVE.');
  daemon.capacityProviderArns = validateCapacityProviders(input.capacityProviderArns);
  const source = ecs.store.daemonRevisions.get(revisionKey(daemon.revisionArn));
  const previous = ecs.store.daemonDeployments.get(revisionKey(daemon.deploymentArn));
  const images = (definition.containerDefinitions ?? []).map((c) => ({ containerName: c.name, image: c.image }));
  const configuration = input.deploymentConfiguration ?? daemon.deploymentConfiguration;
  const { revision, deployment } = newRevisionAndDeployment(
    ecs,
    daemon,
    input,
    definition.daemonTaskDefinitionArn,
    images,
    source,
    configuration,
  );
  daemon.revisionArn = revision.daemonRevisionArn;
  daemon.deploymentArn = deployment.daemonDeploymentArn;
  daemon.deploymentConfiguration = configuration;
  daemon.updatedAt = revision.createdAt!;
  ecs.store.transaction(() => {
    if (previous && !isFinished(previous)) {
      ecs.store.daemonDeployments.put(revisionKey(previous.daemonDeploymentArn), {
        ...previous,
        status: 'STOPPED',
        statusReason: 'Superseded by a newer daemon deployment.',
        stoppedAt: daemon.updatedAt,
      });
    }
    ecs.store.daemonRevisions.put(revisionKey(revision.daemonRevisionArn), revision);
    ecs.store.daemonDeployments.put(revisionKey(deployment.daemonDeploymentArn), deployment);
    ecs.store.daemons.put(`${daemon.clusterName}/${daemon.daemonName}`, daemon);
  });
  ecs.scheduler?.kick();
  return summary(daemon, deployment.daemonDeploymentArn);
}

export function isFinished(deployment: DaemonDeploymentRecord): boolean {
  return !['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_IN_PROGRESS'].includes(deployment.status);
}

function summary(daemon: DaemonRecord, deploymentArn?: string) {
  return {
    daemonArn: daemon.daemonArn,
    status: daemon.status,
    createdAt: daemon.createdAt,
    updatedAt: daemon.updatedAt,
    deploymentArn: deploymentArn ?? daemon.deploymentArn,
  };
}

/** DELETE_IN_PROGRESS: the scheduler stops the daemon's tasks and then forgets it. */
export function deleteDaemon(input: DeleteDaemonRequest, ecs: EcsScope): DeleteDaemonResponse {
  const daemon = structuredClone(findDaemon(ecs, input.daemonArn!));
  if (daemon.status !== 'ACTIVE') throw new DaemonNotActiveException('The daemon is already being deleted.');
  daemon.status = 'DELETE_IN_PROGRESS';
  daemon.updatedAt = new Date();
  const current = ecs.store.daemonDeployments.get(revisionKey(daemon.deploymentArn));
  ecs.store.transaction(() => {
    if (current && !isFinished(current)) {
      ecs.store.daemonDeployments.put(revisionKey(current.daemonDeploymentArn), {
        ...current,
        status: 'STOPPED',
        statusReason: 'The daemon was deleted.',
        stoppedAt: daemon.updatedAt,
      });
    }
    ecs.store.daemons.put(`${daemon.clusterName}/${daemon.daemonName}`, daemon);
  });
  ecs.scheduler?.kick();
  return summary(daemon);
}

export function describeDaemon(input: DescribeDaemonRequest, ecs: EcsScope): DescribeDaemonResponse {
  const daemon = findDaemon(ecs, input.daemonArn!);
  const cluster = ecs.store.clusters.get(daemon.clusterName);
  const running = ecs.tasks
    .inGroup(daemon.clusterName, daemonGroup(daemon.daemonName))
    .filter((t) => isLive(t) && t.lastStatus === 'RUNNING');
  const instances = cluster ? activeInstancesCount(ecs.store, ecs.scope, cluster) : 0;
  const current = running.filter((t) => t.startedBy === revisionKey(daemon.revisionArn).split('/')[2]).length;
  return {
    daemon: {
      daemonArn: daemon.daemonArn,
      clusterArn: daemon.clusterArn,
      status: daemon.status,
      currentRevisions: [
        {
          arn: daemon.revisionArn,
          capacityProviders: daemon.capacityProviderArns.map((arn) => ({ arn })),
          totalRunningCount: current,
          totalWithoutDaemonCount: Math.max(0, instances - current),
        },
      ],
      deploymentArn: daemon.deploymentArn,
      createdAt: daemon.createdAt,
      updatedAt: daemon.updatedAt,
    },
  };
}

export function listDaemons(input: ListDaemonsRequest, ecs: EcsScope): ListDaemonsResponse {
  const cluster = input.clusterArn === undefined ? undefined : resolveCluster(ecs, input.clusterArn);
  const wanted = input.capacityProviderArns?.length ? new Set(input.capacityProviderArns) : undefined;
  const daemons = [...ecs.store.daemons.values()]
    .filter((d) => !cluster || d.clusterArn === cluster.clusterArn)
    .filter((d) => !wanted || d.capacityProviderArns.some((arn) => wanted.has(arn)))
    .sort((a, b) => a.daemonArn.localeCompare(b.daemonArn));
  const page = paginate('ListDaemons', daemons, (d) => d.daemonArn, input, { defaultSize: 100, maxSize: 100 });
  return {
    daemonSummariesList: page.items.map((d) => ({
      daemonArn: d.daemonArn,
      status: d.status,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    })),
    nextToken: page.nextToken,
  };
}

function describeMany<T>(
  arns: readonly string[] | undefined,
  lookup: (arn: string) => T | undefined,
): { found: T[]; failures: Failure[] } {
  if (!arns?.length) throw new InvalidParameterException('At least one ARN must be given.');
  if (arns.length > MAX_DESCRIBE) throw new InvalidParameterException(`At most ${MAX_DESCRIBE} ARNs can be given.`);
  const found: T[] = [];
  const failures: Failure[] = [];
  for (const arn of arns) {
    const item = lookup(arn);
    if (item) found.push(item);
    else failures.push({ arn: quoted(arn), reason: 'MISSING' });
  }
  return { found, failures };
}

function deploymentView(record: DaemonDeploymentRecord) {
  const { local: _local, ...view } = record;
  return view;
}

export function describeDaemonDeployments(
  input: DescribeDaemonDeploymentsRequest,
  ecs: EcsScope,
): DescribeDaemonDeploymentsResponse {
  const { found, failures } = describeMany(input.daemonDeploymentArns, (arn) => {
    const key = keyOfScopedArn(arn, 'daemon-deployment', ecs.scope);
    return key ? ecs.store.daemonDeployments.get(key) : undefined;
  });
  return { daemonDeployments: found.map(deploymentView), failures };
}

export function describeDaemonRevisions(
  input: DescribeDaemonRevisionsRequest,
  ecs: EcsScope,
): DescribeDaemonRevisionsResponse {
  const { found, failures } = describeMany(input.daemonRevisionArns, (arn) => {
    const key = keyOfScopedArn(arn, 'daemon-revision', ecs.scope);
    return key ? ecs.store.daemonRevisions.get(key) : undefined;
  });
  return { daemonRevisions: found, failures };
}

export function listDaemonDeployments(
  input: ListDaemonDeploymentsRequest,
  ecs: EcsScope,
): ListDaemonDeploymentsResponse {
  const daemon = findDaemon(ecs, input.daemonArn!);
  const statuses = input.status?.length ? new Set<string>(input.status) : undefined;
  const after = input.createdAt?.after?.getTime();
  const before = input.createdAt?.before?.getTime();
  const deployments = [...ecs.store.daemonDeployments.values()]
    .filter((d) => d.local.daemonArn === daemon.daemonArn && d.createdAt.getTime() >= daemon.createdAt.getTime() - 1)
    .filter((d) => !statuses || statuses.has(d.status))
    .filter((d) => after === undefined || d.createdAt.getTime() >= after)
    .filter((d) => before === undefined || d.createdAt.getTime() <= before)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const page = paginate('ListDaemonDeployments', deployments, (d) => d.daemonDeploymentArn, input, {
    defaultSize: 20,
    maxSize: 100,
  });
  return {
    daemonDeployments: page.items.map((d) => ({
      daemonDeploymentArn: d.daemonDeploymentArn,
      daemonArn: d.local.daemonArn,
      clusterArn: d.clusterArn,
      status: d.status,
      statusReason: d.statusReason,
      targetDaemonRevisionArn: d.targetDaemonRevision?.arn,
      createdAt: d.createdAt,
      startedAt: d.startedAt,
      stoppedAt: d.stoppedAt,
      finishedAt: d.finishedAt,
    })),
    nextToken: page.nextToken,
  };
}
