import { randomUUID } from 'node:crypto';
import type {
  Attachment,
  Container,
  LaunchType,
  NetworkConfiguration,
  Tag,
  TaskDefinition,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import { customAlphabet } from 'nanoid';
import { containerArn, taskArn as buildTaskArn, type Scope } from '../arn';
import { effectiveNetworkMode } from '../runtime/container-plan';
import type { TaskRecord } from '../runtime/task-record';

/** ECS task ids are 32 lowercase hex digits. */
export const newTaskId = customAlphabet('0123456789abcdef', 32);

export interface NewTaskInput {
  readonly scope: Scope;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly definition: TaskDefinition;
  readonly launchType?: LaunchType;
  readonly capacityProviderName?: string;
  readonly overrides?: TaskOverride;
  readonly startedBy?: string;
  readonly group?: string;
  readonly tags: Tag[];
  readonly networkConfiguration?: NetworkConfiguration;
  readonly containerInstanceArn?: string;
  readonly enableExecuteCommand?: boolean;
}

/** A task as RunTask/StartTask return it: PROVISIONING, with every container PENDING. */
export function newTaskRecord(input: NewTaskInput): TaskRecord {
  const { scope, definition } = input;
  const taskId = newTaskId();
  const taskArn = buildTaskArn(scope, input.clusterName, taskId);
  const launchType: LaunchType = input.launchType ?? 'FARGATE';
  const fargate = launchType === 'FARGATE';
  const networkMode = effectiveNetworkMode(definition, launchType);
  const overrides = input.overrides ?? {};
  const attachments: Attachment[] = networkMode === 'awsvpc' ? [eniAttachment(input.networkConfiguration)] : [];
  const containers: Container[] = (definition.containerDefinitions ?? []).map((cd) => {
    const override = overrides.containerOverrides?.find((o) => o.name === cd.name);
    return {
      containerArn: containerArn(scope, input.clusterName, taskId, randomUUID()),
      taskArn,
      name: cd.name,
      image: cd.image,
      lastStatus: 'PENDING',
      networkBindings: [],
      networkInterfaces: [],
      healthStatus: cd.healthCheck ? 'UNKNOWN' : undefined,
      cpu: String(override?.cpu ?? cd.cpu ?? 0),
      memory: (override?.memory ?? cd.memory) !== undefined ? String(override?.memory ?? cd.memory) : undefined,
      memoryReservation:
        (override?.memoryReservation ?? cd.memoryReservation) !== undefined
          ? String(override?.memoryReservation ?? cd.memoryReservation)
          : undefined,
    };
  });
  return {
    accountId: scope.accountId,
    region: scope.region,
    taskArn,
    clusterArn: input.clusterArn,
    taskDefinitionArn: definition.taskDefinitionArn,
    containerInstanceArn: input.containerInstanceArn,
    attachments,
    attributes: [{ name: 'ecs.cpu-architecture', value: process.arch === 'arm64' ? 'arm64' : 'x86_64' }],
    availabilityZone: `${scope.region}a`,
    capacityProviderName: input.capacityProviderName,
    containers,
    cpu: overrides.cpu ?? definition.cpu,
    memory: overrides.memory ?? definition.memory,
    createdAt: new Date(),
    desiredStatus: 'RUNNING',
    lastStatus: 'PROVISIONING',
    enableExecuteCommand: input.enableExecuteCommand ?? false,
    group: input.group ?? `family:${definition.family}`,
    healthStatus: 'UNKNOWN',
    launchType,
    platformVersion: fargate ? '1.4.0' : undefined,
    platformFamily: fargate ? 'Linux' : undefined,
    ephemeralStorage: fargate ? { sizeInGiB: 20 } : undefined,
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...overrides },
    startedBy: input.startedBy,
    tags: input.tags,
    version: 1,
  };
}

function eniAttachment(network: NetworkConfiguration | undefined): Attachment {
  const vpc = network?.awsvpcConfiguration;
  const eni = `eni-${newTaskId().slice(0, 17)}`;
  return {
    id: randomUUID(),
    type: 'ElasticNetworkInterface',
    status: 'PRECREATED',
    details: [
      ...(vpc?.subnets?.[0] ? [{ name: 'subnetId', value: vpc.subnets[0] }] : []),
      { name: 'networkInterfaceId', value: eni },
      // macAddress and privateIPv4Address are the task's own, added once its network exists.
    ],
  };
}
