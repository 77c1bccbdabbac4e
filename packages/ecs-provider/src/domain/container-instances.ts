import { createHash } from 'node:crypto';
import type { Attribute, ContainerInstance, Resource, Tag, VersionInfo } from '@aws-sdk/client-ecs';
import { truncateText } from '@localcloud/gateway';
import { InvalidParameterException } from '../errors';
import type { InstanceFacts } from './cluster-query';

/*
 * Container instances. The local Docker engine is one container instance of every ACTIVE cluster (its
 * "local instance"); RegisterContainerInstance adds instances (e.g. ECS Anywhere hosts) that are metadata
 * and placement targets: tasks placed on them run on the local engine too. Nothing here is async or
 * touches the engine: the engine's CPUs and memory come in as `EngineCapacity`.
 */

export type ContainerInstanceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';

/** A stored container instance. The local instance is stored only once something about it changed. */
export interface ContainerInstanceRecord {
  readonly containerInstanceArn: string;
  readonly id: string;
  readonly clusterArn: string;
  /** `local`: the Docker engine itself; `registered`: RegisterContainerInstance. */
  readonly kind: 'local' | 'registered';
  readonly ec2InstanceId?: string;
  readonly status: ContainerInstanceStatus;
  readonly statusReason?: string;
  /** Custom attributes (PutAttributes, RegisterContainerInstance), by name. */
  readonly attributes: readonly Attribute[];
  /** Registered instances: the resources they registered with (the engine's when none were given). */
  readonly totalResources?: readonly Resource[];
  readonly versionInfo?: VersionInfo;
  /** Registered instances: from the identity document. */
  readonly availabilityZone?: string;
  readonly instanceType?: string;
  readonly registeredAt: Date;
  readonly version: number;
  readonly tags?: readonly Tag[];
}

/** The engine host as `docker info` reports it. */
export interface EngineCapacity {
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly serverVersion: string;
  readonly architecture: string;
  readonly os: string;
}

/** What a task reserves on its instance and where it is. */
export interface PlacedTask {
  readonly containerInstanceArn?: string;
  readonly lastStatus?: string;
  readonly desiredStatus?: string;
  readonly group?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly containers?: readonly { cpu?: string; memory?: string; memoryReservation?: string }[];
}

/** The local instance's id: stable for a cluster, new when a cluster of the same name is created again. */
export function localInstanceId(clusterArn: string, clusterCreatedAt: Date): string {
  return createHash('sha256').update(`${clusterArn}@${clusterCreatedAt.toISOString()}`).digest('hex').slice(0, 32);
}

/** ECS's reserved ports on an instance (SSH, Docker, the agent's). */
const RESERVED_PORTS = ['22', '2375', '2376', '51678', '51679'];

export function engineResources(engine: EngineCapacity | undefined): Resource[] {
  return [
    { name: 'CPU', type: 'INTEGER', integerValue: (engine?.cpus ?? 0) * 1024, doubleValue: 0, longValue: 0 },
    {
      name: 'MEMORY',
      type: 'INTEGER',
      integerValue: Math.floor((engine?.memoryBytes ?? 0) / 1024 ** 2),
      doubleValue: 0,
      longValue: 0,
    },
    {
      name: 'PORTS',
      type: 'STRINGSET',
      stringSetValue: [...RESERVED_PORTS],
      doubleValue: 0,
      longValue: 0,
      integerValue: 0,
    },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [], doubleValue: 0, longValue: 0, integerValue: 0 },
  ];
}

/** Tasks that hold resources on their instance: placed there and not STOPPED. */
export function isOnInstance(task: PlacedTask, containerInstanceArn: string): boolean {
  return task.containerInstanceArn === containerInstanceArn && task.lastStatus !== 'STOPPED';
}

/** CPU units and MiB a task reserves: the task's size when set, else the sum of its containers'. */
export function taskReservation(task: PlacedTask): { cpu: number; memory: number } {
  const number = (value: string | undefined) => (value && /^\d+$/.test(value) ? Number(value) : 0);
  const containers = task.containers ?? [];
  const cpu = number(task.cpu) || containers.reduce((n, c) => n + number(c.cpu), 0);
  const memory =
    number(task.memory) || containers.reduce((n, c) => n + (number(c.memory) || number(c.memoryReservation)), 0);
  return { cpu, memory };
}

export function registeredResources(record: ContainerInstanceRecord, engine: EngineCapacity | undefined): Resource[] {
  return record.totalResources?.length ? structuredClone([...record.totalResources]) : engineResources(engine);
}

/** Registered resources minus what the tasks on the instance reserve (never below zero). */
export function remainingResources(registered: readonly Resource[], tasks: readonly PlacedTask[]): Resource[] {
  const used = tasks.map(taskReservation).reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }), {
    cpu: 0,
    memory: 0,
  });
  return registered.map((resource) => {
    if (resource.name === 'CPU')
      return { ...resource, integerValue: Math.max(0, (resource.integerValue ?? 0) - used.cpu) };
    if (resource.name === 'MEMORY')
      return { ...resource, integerValue: Math.max(0, (resource.integerValue ?? 0) - used.memory) };
    return { ...resource, stringSetValue: [...(resource.stringSetValue ?? [])] };
  });
}

export function resourceValue(resources: readonly Resource[], name: string): number | undefined {
  return resources.find((r) => r.name === name)?.integerValue;
}

/** The attributes ECS's agent reports for an instance, for what the local engine can do. */
export function builtInAttributes(
  record: ContainerInstanceRecord,
  engine: EngineCapacity | undefined,
  region: string,
): Attribute[] {
  const arch = record.kind === 'local' ? engine?.architecture : undefined;
  const names: [string, string?][] = [
    ['ecs.os-type', 'linux'],
    ['ecs.os-family', 'LINUX'],
    ['ecs.cpu-architecture', arch === 'aarch64' || arch === 'arm64' ? 'arm64' : 'x86_64'],
    ['ecs.availability-zone', record.availabilityZone ?? `${region}a`],
    ...(record.instanceType ? ([['ecs.instance-type', record.instanceType]] as [string, string][]) : []),
    ...[
      '1.17',
      '1.18',
      '1.19',
      '1.20',
      '1.21',
      '1.22',
      '1.23',
      '1.24',
      '1.25',
      '1.26',
      '1.27',
      '1.28',
      '1.29',
      '1.30',
      '1.31',
      '1.32',
      '1.38',
      '1.39',
      '1.40',
      '1.41',
    ].map((v) => [`com.amazonaws.ecs.capability.docker-remote-api.${v}`] as [string]),
    ['com.amazonaws.ecs.capability.logging-driver.awslogs'],
    ['com.amazonaws.ecs.capability.logging-driver.json-file'],
    ['com.amazonaws.ecs.capability.logging-driver.none'],
    ['com.amazonaws.ecs.capability.task-iam-role'],
    ['com.amazonaws.ecs.capability.task-iam-role-network-host'],
    ['ecs.capability.task-eni'],
    ['ecs.capability.container-health-check'],
    ['ecs.capability.container-ordering'],
    ['ecs.capability.execution-role-awslogs'],
    ['ecs.capability.task-cpu-mem-limit'],
  ];
  return names.map(([name, value]) => (value === undefined ? { name } : { name, value }));
}

/** Built-in and custom attributes together (a custom one of the same name wins). */
export function allAttributes(
  record: ContainerInstanceRecord,
  engine: EngineCapacity | undefined,
  region: string,
): Attribute[] {
  const custom = new Set(record.attributes.map((a) => a.name));
  return [...builtInAttributes(record, engine, region).filter((a) => !custom.has(a.name)), ...record.attributes];
}

/** The instance as the API shows it, with counts and resources derived from its tasks. */
export function containerInstanceView(
  record: ContainerInstanceRecord,
  engine: EngineCapacity | undefined,
  region: string,
  tasks: readonly PlacedTask[],
  include: { tags: boolean },
): ContainerInstance {
  const placed = tasks.filter((t) => isOnInstance(t, record.containerInstanceArn));
  const registered = registeredResources(record, engine);
  const view: ContainerInstance = {
    containerInstanceArn: record.containerInstanceArn,
    ec2InstanceId: record.ec2InstanceId,
    version: record.version,
    versionInfo: record.versionInfo ?? {
      agentVersion: 'localcloud',
      agentHash: 'localcloud',
      dockerVersion: `DockerVersion: ${engine?.serverVersion ?? 'unknown'}`,
    },
    remainingResources: remainingResources(registered, placed),
    registeredResources: registered,
    status: record.status,
    agentConnected: record.status !== 'INACTIVE',
    runningTasksCount: placed.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: placed.filter((t) => t.lastStatus !== 'RUNNING').length,
    attributes: allAttributes(record, engine, region),
    registeredAt: record.registeredAt,
    attachments: [],
  };
  if (record.statusReason) view.statusReason = record.statusReason;
  if (include.tags) view.tags = [...(record.tags ?? [])];
  return view;
}

/** What the cluster query language sees of an instance. */
export function instanceFacts(
  record: ContainerInstanceRecord,
  engine: EngineCapacity | undefined,
  region: string,
  tasks: readonly PlacedTask[],
): InstanceFacts {
  const placed = tasks.filter((t) => isOnInstance(t, record.containerInstanceArn));
  return {
    attributes: new Map(allAttributes(record, engine, region).map((a) => [a.name!, a.value])),
    ec2InstanceId: record.ec2InstanceId,
    agentConnected: record.status !== 'INACTIVE',
    runningTasksCount: placed.filter((t) => t.lastStatus === 'RUNNING').length,
    taskGroups: [...new Set(placed.map((t) => t.group).filter((g): g is string => !!g))],
  };
}

const ATTRIBUTE_NAME = /^[a-zA-Z0-9_./\\-]{1,128}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.@/\\: -]{1,128}$/;
export const MAX_CUSTOM_ATTRIBUTES = 10;

/** Attribute names and values as ECS accepts them. */
export function validateAttribute(attribute: Attribute): void {
  if (!attribute.name || !ATTRIBUTE_NAME.test(attribute.name)) {
    throw new InvalidParameterException(
      `Attribute name '${truncateText(attribute.name ?? '')}' is invalid: 1-128 letters, numbers, hyphens, underscores, slashes, back slashes or periods.`,
    );
  }
  const value = attribute.value;
  if (value !== undefined && (!ATTRIBUTE_VALUE.test(value) || value.startsWith(' ') || value.endsWith(' '))) {
    throw new InvalidParameterException(
      `Attribute value '${truncateText(value)}' is invalid: 1-128 letters, numbers, hyphens, underscores, periods, at signs, slashes, back slashes, colons or spaces, not starting or ending with a space.`,
    );
  }
  if (attribute.targetType !== undefined && attribute.targetType !== 'container-instance') {
    throw new InvalidParameterException('targetType must be container-instance.');
  }
}

/** The engine's capacity as the provider last saw it, and a fresh look (DescribeContainerInstances). */
export interface EngineCapacitySource {
  current(): EngineCapacity | undefined;
  refresh(): Promise<EngineCapacity | undefined>;
}
