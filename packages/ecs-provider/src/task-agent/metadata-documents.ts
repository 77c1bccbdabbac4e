import type { Container } from '@aws-sdk/client-ecs';
import type { ContainerInfo } from '@localcloud/docker-backend';
import type { TaskRecord } from '../runtime/task-record';

/** What the metadata documents need about one container besides the task record. */
export interface ContainerFacts {
  readonly name: string;
  /** The engine's view of the container; absent before it is created or after it is removed. */
  readonly info?: ContainerInfo;
  readonly logDriver?: string;
  readonly logOptions?: Readonly<Record<string, string>>;
  readonly networkMode: string;
}

/** `family` and `revision` from `arn:aws:ecs:…:task-definition/<family>:<revision>`. */
export function familyRevision(taskDefinitionArn: string | undefined): { family: string; revision: string } {
  const tail = taskDefinitionArn?.slice(taskDefinitionArn.lastIndexOf('/') + 1) ?? '';
  const colon = tail.lastIndexOf(':');
  return colon < 0 ? { family: tail, revision: '' } : { family: tail.slice(0, colon), revision: tail.slice(colon + 1) };
}

const iso = (date: Date | undefined) => (date ? new Date(date).toISOString() : undefined);

/** The container document of task metadata endpoint v4 (`${ECS_CONTAINER_METADATA_URI_V4}`). */
export function containerDocument(record: TaskRecord, facts: ContainerFacts): Record<string, unknown> {
  const container: Container | undefined = record.containers?.find((c) => c.name === facts.name);
  const { family, revision } = familyRevision(record.taskDefinitionArn);
  const info = facts.info;
  const ecsLabels = {
    'com.amazonaws.ecs.cluster': record.clusterArn,
    'com.amazonaws.ecs.container-name': facts.name,
    'com.amazonaws.ecs.task-arn': record.taskArn,
    'com.amazonaws.ecs.task-definition-family': family,
    'com.amazonaws.ecs.task-definition-version': revision,
  };
  const userLabels = Object.fromEntries(
    Object.entries(info?.labels ?? {}).filter(([key]) => !key.startsWith('localcloud.')),
  );
  const network = info?.networks[0];
  return compact({
    DockerId: info?.id,
    Name: facts.name,
    DockerName: info?.name,
    Image: container?.image ?? info?.image,
    ImageID: container?.imageDigest ?? info?.imageId,
    Labels: { ...userLabels, ...ecsLabels },
    DesiredStatus: record.desiredStatus,
    // The engine may know before the task record does (a container asking right after it started).
    KnownStatus: container?.lastStatus === 'PENDING' && info?.state.running ? 'RUNNING' : container?.lastStatus,
    ExitCode: container?.exitCode,
    Limits: compact({
      CPU: Number(container?.cpu ?? 0),
      Memory: container?.memory !== undefined ? Number(container.memory) : undefined,
    }),
    CreatedAt: iso(info?.created),
    StartedAt: iso(info?.state.startedAt),
    FinishedAt: info && !info.state.running ? iso(info.state.finishedAt) : undefined,
    Type: 'NORMAL',
    LogDriver: facts.logDriver,
    LogOptions: facts.logOptions,
    ContainerARN: container?.containerArn,
    Health: container?.healthStatus ? { status: container.healthStatus } : undefined,
    Networks:
      facts.networkMode === 'none'
        ? []
        : [
            compact({
              NetworkMode: facts.networkMode,
              IPv4Addresses: network?.ipAddress ? [network.ipAddress] : facts.networkMode === 'host' ? [] : undefined,
              AttachmentIndex: 0,
              MACAddress: network?.macAddress || undefined,
              IPv4SubnetCIDRBlock: undefined,
              SubnetGatewayIpv4Address: network?.gateway ? `${network.gateway}/16` : undefined,
            }),
          ],
  });
}

/** The task document of task metadata endpoint v4 (`${ECS_CONTAINER_METADATA_URI_V4}/task`). */
export function taskDocument(record: TaskRecord, containers: readonly ContainerFacts[]): Record<string, unknown> {
  const { family, revision } = familyRevision(record.taskDefinitionArn);
  const fargate = record.launchType === 'FARGATE';
  const cpuUnits = record.cpu !== undefined ? Number(record.cpu) : undefined;
  return compact({
    Cluster: record.clusterArn,
    TaskARN: record.taskArn,
    Family: family,
    Revision: revision,
    DesiredStatus: record.desiredStatus,
    KnownStatus: record.lastStatus,
    Limits: compact({
      // ECS reports task CPU in vCPUs.
      CPU: cpuUnits !== undefined && !Number.isNaN(cpuUnits) ? cpuUnits / 1024 : undefined,
      Memory: record.memory !== undefined ? Number(record.memory) : undefined,
    }),
    PullStartedAt: iso(record.pullStartedAt),
    PullStoppedAt: iso(record.pullStoppedAt),
    ExecutionStoppedAt: iso(record.executionStoppedAt),
    AvailabilityZone: record.availabilityZone,
    LaunchType: record.launchType,
    Containers: containers.map((facts) => containerDocument(record, facts)),
    ClockDrift: {
      ClockErrorBound: 0.5,
      ReferenceTimestamp: new Date().toISOString(),
      ClockSynchronizationStatus: 'SYNCHRONIZED',
    },
    EphemeralStorageMetrics: fargate
      ? { Utilized: 0, Reserved: (record.ephemeralStorage?.sizeInGiB ?? 20) * 1024 }
      : undefined,
    ServiceName: record.group?.startsWith('service:') ? record.group.slice('service:'.length) : undefined,
    TaskTags: record.tags?.length ? Object.fromEntries(record.tags.map((t) => [t.key, t.value])) : undefined,
  });
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
