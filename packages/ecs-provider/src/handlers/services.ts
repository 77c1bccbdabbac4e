import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceRequest,
  DeleteServiceResponse,
  Deployment,
  DescribeServicesRequest,
  DescribeServicesResponse,
  Failure,
  ListServicesByNamespaceRequest,
  ListServicesByNamespaceResponse,
  ListServicesRequest,
  ListServicesResponse,
  NetworkConfiguration,
  SchedulingStrategy,
  Service,
  TaskDefinition,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { inScope, isArn, parseArn, serviceArn } from '../arn';
import {
  ClientException,
  InvalidParameterException,
  ServiceNotActiveException,
  ServiceNotFoundException,
} from '../errors';
import { chooseLaunch } from '../domain/launch-type';
import { newServiceRecord, type ServiceLaunch } from '../domain/new-service';
import { supportsLaunchType, validateNetworkConfiguration } from '../domain/run-request';
import { newDeployment, serviceView, tasksOfService } from '../domain/service';
import {
  finish,
  isFinished,
  keyOfArn,
  newServiceDeployment,
  newServiceRevision,
  revisionArnOf,
  serviceDeploymentIdOf,
  serviceDeploymentKeyOf,
} from '../domain/service-deployments';
import { validateTags } from '../domain/tags';
import { paginate } from '../pagination';
import type { ClusterRecord, ServiceRecord } from '../store/records';
import { resolveCluster } from './resolve-cluster';
import { resolveTaskDefinition } from './task-definitions';
import { asCodeDeployService, assertNoTaskSetRedeploy, externalServiceRecord } from './task-sets';
import { usesTaskSets, withTaskSets } from '../domain/task-sets';

const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export function createService(input: CreateServiceRequest, ecs: EcsScope): CreateServiceResponse {
  assertServiceName(input.serviceName!);
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: true });
  const key = `${cluster.clusterName}/${input.serviceName!}`;
  assertNoLiveService(ecs, key);
  assertOneLaunchChoice(input);
  if (input.deploymentController?.type === 'EXTERNAL') {
    const external = externalServiceRecord(ecs, cluster, input, initialDesiredCount(input, 'REPLICA'));
    ecs.store.services.put(key, external);
    return { service: view(ecs, cluster, external) };
  }
  const schedulingStrategy = input.schedulingStrategy ?? 'REPLICA';
  const definition = serviceTaskDefinition(ecs, input.taskDefinition);
  const launch = serviceLaunch(ecs, cluster, input, schedulingStrategy, definition);
  validateServiceNetwork(ecs, definition, input.networkConfiguration);
  const desiredCount = initialDesiredCount(input, schedulingStrategy);
  validateDeploymentConfiguration(input.deploymentConfiguration);
  const record = newServiceRecord({
    scope: ecs.scope,
    cluster,
    request: input,
    schedulingStrategy,
    definition,
    launch,
    desiredCount,
    tags: validateTags(input.tags),
    now: new Date(),
    serviceConnect: ecs.serviceConnect?.service,
  });
  if (record.deploymentController?.type === 'CODE_DEPLOY') asCodeDeployService(ecs, cluster, record, definition);
  ecs.store.transaction(() => {
    if (!usesTaskSets(record)) startServiceDeployment(ecs, record, definition, []);
    ecs.store.services.put(key, record);
  });
  ecs.scheduler?.kick();
  return { service: view(ecs, cluster, record) };
}

function assertServiceName(name: string): void {
  if (!SERVICE_NAME.test(name)) {
    throw new InvalidParameterException(
      'Service names can be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
    );
  }
}

/** A name is free again once its service is INACTIVE. */
function assertNoLiveService(ecs: EcsScope, key: string): void {
  const existing = ecs.store.services.get(key);
  if (existing?.status === 'DRAINING') {
    throw new InvalidParameterException('Unable to Start a service that is still Draining.');
  }
  if (existing?.status === 'ACTIVE') {
    throw new InvalidParameterException('Creation of service was not idempotent.');
  }
}

function assertOneLaunchChoice(input: CreateServiceRequest): void {
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw new InvalidParameterException(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
}

function serviceTaskDefinition(ecs: EcsScope, reference: string | undefined): TaskDefinition {
  if (!reference) throw new InvalidParameterException('TaskDefinition must be specified.');
  return activeDefinition(ecs, reference);
}

/** The launch type the service's tasks get (domain/launch-type.ts), and ECS's rules for it. */
function serviceLaunch(
  ecs: EcsScope,
  cluster: ClusterRecord,
  input: CreateServiceRequest,
  schedulingStrategy: SchedulingStrategy,
  definition: TaskDefinition,
): ServiceLaunch {
  const choice = chooseLaunch({
    launchType: input.launchType,
    capacityProviderStrategy: input.capacityProviderStrategy,
    clusterDefaultStrategy: cluster.defaultCapacityProviderStrategy,
    definition,
    daemon: schedulingStrategy === 'DAEMON',
  });
  const capacityProviderStrategy = choice.capacityProviderStrategy;
  const fargate = choice.launchType === 'FARGATE';
  if (schedulingStrategy === 'DAEMON') {
    if (fargate)
      throw new InvalidParameterException('The daemon scheduling strategy does not support the FARGATE launch type.');
    if (
      input.deploymentConfiguration?.maximumPercent !== undefined &&
      input.deploymentConfiguration.maximumPercent !== 100
    ) {
      throw new InvalidParameterException(
        'The maximumPercent parameter must be 100 for the daemon scheduling strategy.',
      );
    }
  }
  if (!supportsLaunchType(definition, choice.launchType, ecs.strict)) {
    throw new InvalidParameterException(`Task definition does not support launch_type ${choice.launchType}.`);
  }
  // A service shows either its strategy or its launch type, as in ECS.
  return { capacityProviderStrategy, launchType: capacityProviderStrategy ? undefined : choice.launchType, fargate };
}

function validateServiceNetwork(
  ecs: EcsScope,
  definition: TaskDefinition,
  networkConfiguration: NetworkConfiguration | undefined,
): void {
  if (definition.networkMode === 'awsvpc' && !networkConfiguration?.awsvpcConfiguration) {
    throw new InvalidParameterException(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  }
  validateNetworkConfiguration(definition, networkConfiguration, ecs.strict);
}

/** A DAEMON service runs one task (the local engine is its one container instance). */
function initialDesiredCount(input: CreateServiceRequest, schedulingStrategy: SchedulingStrategy): number {
  if (schedulingStrategy === 'REPLICA' && input.desiredCount === undefined) {
    throw new InvalidParameterException('desiredCount is required for services with the REPLICA scheduling strategy.');
  }
  const desiredCount = schedulingStrategy === 'DAEMON' ? 1 : input.desiredCount!;
  if (!Number.isInteger(desiredCount) || desiredCount < 0) {
    throw new InvalidParameterException('desiredCount must be a non-negative integer.');
  }
  return desiredCount;
}

export function updateService(input: UpdateServiceRequest, ecs: EcsScope): UpdateServiceResponse {
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const { key, record } = findService(ecs, cluster, input.service!);
  if (record.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
  assertNoTaskSetRedeploy(record, input);
  const next = structuredClone(record);
  const now = new Date();
  let redeploy = input.forceNewDeployment ?? false;
  if (input.desiredCount !== undefined) {
    if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) {
      throw new InvalidParameterException('desiredCount must be a non-negative integer.');
    }
    if (next.schedulingStrategy !== 'DAEMON') next.desiredCount = input.desiredCount;
  }
  if (input.deploymentConfiguration) {
    validateDeploymentConfiguration(input.deploymentConfiguration);
    next.deploymentConfiguration = { ...next.deploymentConfiguration, ...input.deploymentConfiguration };
  }
  if (input.healthCheckGracePeriodSeconds !== undefined)
    next.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
  if (input.enableExecuteCommand !== undefined) next.enableExecuteCommand = input.enableExecuteCommand;
  if (input.enableECSManagedTags !== undefined) next.enableECSManagedTags = input.enableECSManagedTags;
  if (input.propagateTags !== undefined) next.propagateTags = input.propagateTags;
  if (input.loadBalancers !== undefined) {
    // As ECS: new load balancers are a new deployment, whose tasks register in them while the old drain out.
    if (JSON.stringify(input.loadBalancers) !== JSON.stringify(next.loadBalancers ?? [])) redeploy = true;
    next.loadBalancers = input.loadBalancers;
  }
  if (input.serviceRegistries !== undefined) {
    // As ECS: new registries are a new deployment too, whose tasks register in them while the old stop.
    if (JSON.stringify(input.serviceRegistries) !== JSON.stringify(next.serviceRegistries ?? [])) redeploy = true;
    next.serviceRegistries = input.serviceRegistries;
  }
  if (input.placementConstraints !== undefined) next.placementConstraints = input.placementConstraints;
  if (input.placementStrategy !== undefined) next.placementStrategy = input.placementStrategy;
  if (input.serviceConnectConfiguration && ecs.serviceConnect?.service) {
    next.serviceConnectConfiguration = ecs.serviceConnect.service.configuration;
    next.serviceConnectResources = ecs.serviceConnect.service.resources;
    next.serviceConnectNamespaceName = ecs.serviceConnect.service.namespaceName;
    redeploy = true;
  }
  if (input.taskDefinition) {
    const definition = activeDefinition(ecs, input.taskDefinition);
    if (definition.taskDefinitionArn !== next.taskDefinition) redeploy = true;
    next.taskDefinition = definition.taskDefinitionArn;
  }
  if (input.networkConfiguration) {
    next.networkConfiguration = input.networkConfiguration;
    redeploy = true;
  }
  if (input.networkConfiguration || input.taskDefinition) {
    validateNetworkConfiguration(activeDefinition(ecs, next.taskDefinition!), next.networkConfiguration, ecs.strict);
  }
  if (input.capacityProviderStrategy?.length) {
    next.capacityProviderStrategy = input.capacityProviderStrategy;
    next.launchType = undefined;
    redeploy = true;
  }
  if (input.platformVersion) {
    next.platformVersion = input.platformVersion;
    redeploy = true;
  }
  const deployments = next.deployments ?? [];
  if (usesTaskSets(next)) {
    ecs.store.services.put(key, next);
  } else if (redeploy || deployments.length === 0) {
    const previous = deployments.map((d) => ({ ...d, status: 'ACTIVE', updatedAt: now }));
    next.deployments = [newDeployment(next, next.taskDefinition!, now), ...previous];
    next.scheduler = { ...next.scheduler, steady: false };
    ecs.store.transaction(() => {
      endServiceDeployment(ecs, cluster, next, deployments[0], 'STOPPED', 'Superseded by a newer service deployment.');
      startServiceDeployment(ecs, next, activeDefinition(ecs, next.taskDefinition!), previous);
      ecs.store.services.put(key, next);
    });
  } else {
    if (deployments[0]) {
      deployments[0].desiredCount = next.schedulingStrategy === 'DAEMON' ? 1 : next.desiredCount;
      deployments[0].updatedAt = now;
    }
    ecs.store.services.put(key, next);
  }
  ecs.scheduler?.kick();
  return { service: view(ecs, cluster, next) };
}

export function deleteService(input: DeleteServiceRequest, ecs: EcsScope): DeleteServiceResponse {
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const { key, record } = findService(ecs, cluster, input.service!);
  if (record.status === 'INACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
  if (record.status === 'DRAINING') return { service: view(ecs, cluster, record) };
  if (!input.force && (record.desiredCount ?? 0) > 0 && record.schedulingStrategy !== 'DAEMON') {
    throw new InvalidParameterException('The service cannot be stopped while it is scaled above 0.');
  }
  const next: ServiceRecord = { ...structuredClone(record), status: 'DRAINING', desiredCount: 0 };
  ecs.store.transaction(() => {
    endServiceDeployment(ecs, cluster, next, next.deployments?.[0], 'STOPPED', 'The service was deleted.');
    ecs.store.services.put(key, next);
  });
  ecs.scheduler?.kick();
  return { service: view(ecs, cluster, next) };
}

export function describeServices(input: DescribeServicesRequest, ecs: EcsScope): DescribeServicesResponse {
  if (!input.services?.length) throw new InvalidParameterException('Services cannot be empty.');
  if (input.services.length > 10) {
    throw new InvalidParameterException('Services cannot contain more than 10 elements.');
  }
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false, includeInactive: true });
  const services: Service[] = [];
  const failures: Failure[] = [];
  for (const reference of input.services) {
    const found = lookupService(ecs, cluster, reference);
    if (!found) {
      failures.push({
        arn: isArn(reference) ? reference : serviceArn(ecs.scope, cluster.clusterName, reference),
        reason: 'MISSING',
      });
      continue;
    }
    services.push(view(ecs, cluster, found.record, input.include?.includes('TAGS') ?? false));
  }
  return { services, failures };
}

export function listServices(input: ListServicesRequest, ecs: EcsScope): ListServicesResponse {
  const cluster = resolveCluster(ecs, input.cluster, { createDefault: false });
  const services = [...ecs.store.services.values()].filter(
    (s) =>
      s.clusterArn === cluster.clusterArn &&
      // As in ECS, a service leaves the listing when it starts DRAINING.
      s.status === 'ACTIVE' &&
      (!input.launchType || s.launchType === input.launchType) &&
      (!input.schedulingStrategy || s.schedulingStrategy === input.schedulingStrategy),
  );
  const page = paginate('ListServices', services, (s) => s.serviceArn, input, { defaultSize: 10, maxSize: 100 });
  return { serviceArns: page.items.map((s) => s.serviceArn), nextToken: page.nextToken };
}

/** Services that use Service Connect in the namespace (name or ARN), across the account's clusters. */
export function listServicesByNamespace(
  input: ListServicesByNamespaceRequest,
  ecs: EcsScope,
): ListServicesByNamespaceResponse {
  // Services keep their namespace as its ARN (service-connect/prepare.ts resolves the one asked for).
  const wanted = ecs.serviceConnect?.namespace ?? input.namespace!;
  const services = [...ecs.store.services.values()].filter((s) => {
    if (s.status !== 'ACTIVE' || !s.serviceConnectConfiguration?.enabled) return false;
    const cluster = ecs.store.clusters.get(parseArn(s.clusterArn)?.resource ?? '');
    const namespace = s.serviceConnectConfiguration.namespace ?? cluster?.serviceConnectDefaults?.namespace;
    return namespace === wanted;
  });
  const page = paginate('ListServicesByNamespace', services, (s) => s.serviceArn, input, {
    defaultSize: 10,
    maxSize: 100,
  });
  return { serviceArns: page.items.map((s) => s.serviceArn), nextToken: page.nextToken };
}

// ---- helpers -----------------------------------------------------------------------------------

/**
 * Stores the service revision and the service deployment (PENDING) of the service's new PRIMARY
 * deployment, and notes which service deployment it belongs to (domain/service-deployments.ts).
 */
function startServiceDeployment(
  ecs: EcsScope,
  record: ServiceRecord,
  definition: TaskDefinition,
  sources: readonly Deployment[],
): void {
  const target = record.deployments![0]!;
  const putRevision = (deployment: Deployment, of: TaskDefinition | undefined) => {
    const revision = newServiceRevision(ecs.scope, record, deployment, of);
    ecs.store.serviceRevisions.put(keyOfArn(revision.serviceRevisionArn, 'service-revision')!, revision);
  };
  putRevision(target, definition);
  // A deployment made before service revisions existed (state of an older gateway) gets its own now.
  for (const source of sources) {
    const key = keyOfArn(revisionArnOf(ecs.scope, record, source.id!), 'service-revision')!;
    if (!ecs.store.serviceRevisions.has(key)) putRevision(source, definitionOrUndefined(ecs, source.taskDefinition));
  }
  const deployment = newServiceDeployment(ecs.scope, record, target, sources);
  ecs.store.serviceDeployments.put(keyOfArn(deployment.serviceDeploymentArn, 'service-deployment')!, deployment);
  record.scheduler = {
    ...record.scheduler,
    serviceDeployments: {
      ...record.scheduler?.serviceDeployments,
      [target.id!]: serviceDeploymentIdOf(deployment),
    },
  };
}

function definitionOrUndefined(ecs: EcsScope, reference: string | undefined): TaskDefinition | undefined {
  try {
    return reference ? resolveTaskDefinition(ecs, reference) : undefined;
  } catch {
    return undefined;
  }
}

/** Ends the service deployment of a deployment that no longer goes on, if it had not finished. */
function endServiceDeployment(
  ecs: EcsScope,
  cluster: ClusterRecord,
  record: ServiceRecord,
  deployment: Deployment | undefined,
  status: 'STOPPED',
  reason: string,
): void {
  const key = deployment && serviceDeploymentKeyOf(record, deployment.id!);
  const current = key ? ecs.store.serviceDeployments.get(key) : undefined;
  if (!key || !current || isFinished(current)) return;
  const tasks = tasksOfService(record, ecs.tasks, cluster.clusterName);
  ecs.store.serviceDeployments.put(key, finish(current, status, reason, new Date(), record, tasks));
}

function view(ecs: EcsScope, cluster: ClusterRecord, record: ServiceRecord, tags = true): Service {
  const tasks = tasksOfService(record, ecs.tasks, cluster.clusterName);
  const service = serviceView(record, tasks, { tags });
  return usesTaskSets(record) ? withTaskSets(service, record, tasks) : service;
}

/** The service's task definition; CreateService and UpdateService refuse with InvalidParameterException. */
export function activeDefinition(ecs: EcsScope, reference: string): TaskDefinition {
  let definition: TaskDefinition;
  try {
    definition = resolveTaskDefinition(ecs, reference);
  } catch (error) {
    if (error instanceof ClientException) throw new InvalidParameterException(error.message);
    throw error;
  }
  if (definition.status !== 'ACTIVE') throw new InvalidParameterException('TaskDefinition is inactive');
  return definition;
}

function validateDeploymentConfiguration(config: CreateServiceRequest['deploymentConfiguration']): void {
  if (!config) return;
  const { minimumHealthyPercent: min, maximumPercent: max } = config;
  if (min !== undefined && (!Number.isInteger(min) || min < 0 || min > 100)) {
    throw new InvalidParameterException('minimumHealthyPercent must be between 0 and 100.');
  }
  if (max !== undefined && (!Number.isInteger(max) || max < 100)) {
    throw new InvalidParameterException('maximumPercent must be at least 100.');
  }
}

/** A service by name or ARN in the cluster, in any status; undefined when unknown. */
function lookupService(
  ecs: EcsScope,
  cluster: ClusterRecord,
  reference: string,
): { key: string; record: ServiceRecord } | undefined {
  let name = reference;
  if (isArn(reference)) {
    const parsed = parseArn(reference);
    if (!parsed || parsed.resourceType !== 'service' || !inScope(parsed, ecs.scope)) return undefined;
    const parts = parsed.resource.split('/');
    // Short ARNs (`service/<name>`) name a service of the request's cluster.
    if (parts.length === 2 && parts[0] !== cluster.clusterName) return undefined;
    name = parts[parts.length - 1]!;
  }
  const key = `${cluster.clusterName}/${name}`;
  const record = ecs.store.services.get(key);
  return record ? { key, record } : undefined;
}

export function findService(ecs: EcsScope, cluster: ClusterRecord, reference: string) {
  const found = lookupService(ecs, cluster, reference);
  if (!found) throw new ServiceNotFoundException('Service not found.');
  return found;
}
