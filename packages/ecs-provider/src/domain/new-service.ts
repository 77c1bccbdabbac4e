import type {
  CapacityProviderStrategyItem,
  CreateServiceRequest,
  LaunchType,
  SchedulingStrategy,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { rootPrincipalArn, serviceArn, type Scope } from '../arn';
import type { ClusterRecord, ServiceRecord } from '../store/records';
import { newDeployment } from './service';
import type { ServiceConnectState } from '../service-connect/configuration';

/** How a service's tasks run: a service shows either its capacity provider strategy or its launch type. */
export interface ServiceLaunch {
  readonly launchType?: LaunchType;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly fargate: boolean;
}

export interface NewServiceInput {
  readonly scope: Scope;
  readonly cluster: ClusterRecord;
  readonly request: CreateServiceRequest;
  readonly schedulingStrategy: SchedulingStrategy;
  readonly definition: TaskDefinition;
  readonly launch: ServiceLaunch;
  readonly desiredCount: number;
  readonly tags: Tag[];
  readonly now: Date;
  /** Service Connect as resolved in Cloud Map (service-connect/prepare.ts). */
  readonly serviceConnect?: ServiceConnectState;
}

/** The service as CreateService stores it: ECS's defaults filled in, its first deployment PRIMARY. */
export function newServiceRecord(input: NewServiceInput): ServiceRecord {
  const { request, launch, schedulingStrategy, now } = input;
  const name = request.serviceName!;
  const record: ServiceRecord = {
    serviceArn: serviceArn(input.scope, input.cluster.clusterName, name),
    serviceName: name,
    clusterArn: input.cluster.clusterArn,
    loadBalancers: request.loadBalancers ?? [],
    serviceRegistries: request.serviceRegistries ?? [],
    status: 'ACTIVE',
    desiredCount: input.desiredCount,
    runningCount: 0,
    pendingCount: 0,
    launchType: launch.launchType,
    capacityProviderStrategy: launch.capacityProviderStrategy,
    platformVersion: launch.fargate ? (request.platformVersion ?? 'LATEST') : undefined,
    platformFamily: launch.fargate ? 'Linux' : undefined,
    taskDefinition: input.definition.taskDefinitionArn,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      ...(schedulingStrategy === 'DAEMON'
        ? { maximumPercent: 100, minimumHealthyPercent: 0 }
        : { maximumPercent: 200, minimumHealthyPercent: 100 }),
      ...request.deploymentConfiguration,
    },
    deployments: [],
    roleArn: request.role,
    events: [],
    createdAt: now,
    placementConstraints: request.placementConstraints ?? [],
    placementStrategy: request.placementStrategy ?? [],
    networkConfiguration: request.networkConfiguration,
    healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds,
    schedulingStrategy,
    deploymentController: request.deploymentController ?? { type: 'ECS' },
    tags: input.tags,
    createdBy: rootPrincipalArn(input.scope),
    enableECSManagedTags: request.enableECSManagedTags ?? false,
    propagateTags: request.propagateTags ?? 'NONE',
    enableExecuteCommand: request.enableExecuteCommand ?? false,
    availabilityZoneRebalancing: request.availabilityZoneRebalancing,
  };
  if (input.serviceConnect) {
    record.serviceConnectConfiguration = input.serviceConnect.configuration;
    record.serviceConnectResources = input.serviceConnect.resources;
    record.serviceConnectNamespaceName = input.serviceConnect.namespaceName;
  }
  record.deployments = [newDeployment(record, input.definition.taskDefinitionArn!, now)];
  return record;
}
