import type {
  Attribute,
  Compatibility,
  ContainerDefinition,
  NetworkMode,
  PortMapping,
  RegisterTaskDefinitionRequest,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ClientException } from '../errors';
import { copyMembers } from './copy-members';
import { modelMembers } from '../ecs-model';
import { isFargateCombination, parseTaskCpu, parseTaskMemory } from './fargate';
import { truncateText } from '@localcloud/gateway';
import { onFirstUse } from '@localcloud/aws-model';
import { sharedStoredValue } from '@localcloud/persistence';

/** Family and container names: up to 255 letters (upper and lower case), numbers, underscores and hyphens. */
const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** The least memory Docker lets a container have. */
const MIN_CONTAINER_MEMORY_MIB = 6;

export function isValidFamily(family: string): boolean {
  return NAME.test(family);
}

/** The largest task definition ECS registers: its JSON, in bytes (ECS's service quota, "Task definition size"). */
export const TASK_DEFINITION_MAX_BYTES = 65_536;

/**
 * Refuses a registration whose task definition (the request without its tags, as JSON: how ECS counts is not
 * documented) is larger than ECS takes, in ECS's words. `bodyBytes`, the whole request's size when known,
 * spares the measure when the body is no larger than the limit: the JSON an SDK sends is never smaller than
 * the definition it carries (only hand-written JSON, with `1e9` for `1000000000` or bytes that are not UTF-8,
 * can be).
 */
export function assertTaskDefinitionSize(input: RegisterTaskDefinitionRequest, bodyBytes?: number): void {
  if (bodyBytes !== undefined && bodyBytes <= TASK_DEFINITION_MAX_BYTES) return;
  const { tags: _tags, ...definition } = input;
  const length = Buffer.byteLength(JSON.stringify(definition));
  if (length > TASK_DEFINITION_MAX_BYTES) {
    throw new ClientException(
      `Actual length: '${length}'. Max allowed length is '${TASK_DEFINITION_MAX_BYTES}' bytes.`,
    );
  }
}

/**
 * ECS's rules for a task definition beyond its shape, in the order ECS reports them, with ECS's
 * wording where the AWS documentation gives it. Throws ClientException, as RegisterTaskDefinition does.
 * Returns the refusals localcloud waives unless `strict` (ECS_STRICT_VALIDATION): each is AWS's own
 * message, for the caller to log.
 */
export function validateRegistration(input: RegisterTaskDefinitionRequest, { strict = false } = {}): string[] {
  const waived: string[] = [];
  const family = input.family ?? '';
  if (!isValidFamily(family)) {
    throw new ClientException(
      `Invalid family '${truncateText(family)}': up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.`,
    );
  }
  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) {
    throw new ClientException('Container list cannot be empty.');
  }
  const cpu = input.cpu === undefined ? undefined : parseTaskCpu(input.cpu);
  if (input.cpu !== undefined && cpu === undefined) throw new ClientException("Invalid 'cpu' setting for task.");
  const memory = input.memory === undefined ? undefined : parseTaskMemory(input.memory);
  if (input.memory !== undefined && memory === undefined) {
    throw new ClientException("Invalid 'memory' setting for task.");
  }

  if (input.requiresCompatibilities?.includes('FARGATE')) {
    if (input.networkMode !== 'awsvpc') throw new ClientException("Fargate only supports network mode 'awsvpc'.");
    if (cpu === undefined) throw new ClientException("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined) throw new ClientException("Fargate requires that 'memory' be defined at the task level.");
    if (!isFargateCombination(cpu, memory)) {
      throw new ClientException(
        `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. ` +
          'See the Amazon ECS documentation for the valid values.',
      );
    }
  }

  const names = new Set<string>();
  for (const container of containers) {
    const name = container.name;
    if (name === undefined || name === '') throw new ClientException('Container.name should not be null or empty.');
    if (!NAME.test(name)) {
      throw new ClientException(
        `Invalid container name '${truncateText(name)}': up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.`,
      );
    }
    if (names.has(name)) {
      throw new ClientException(`Container names must be unique within a task definition: '${name}' is used twice.`);
    }
    names.add(name);
    if (container.image === undefined || container.image.trim() === '') {
      throw new ClientException('Container.image should not be null or empty.');
    }
    const memoryRefusal = validateContainerMemory(container, memory);
    if (memoryRefusal && strict) throw new ClientException(memoryRefusal);
    if (memoryRefusal) waived.push(memoryRefusal);
  }
  if (!containers.some((c) => c.essential !== false)) {
    throw new ClientException('A task definition must have at least one essential container.');
  }

  let volumes: Set<string | undefined> | undefined;
  for (const container of containers) {
    for (const mount of container.mountPoints ?? []) {
      volumes ??= new Set((input.volumes ?? []).map((v) => v.name));
      if (!mount.sourceVolume || !volumes.has(mount.sourceVolume)) {
        throw new ClientException(
          `Invalid 'mountPoints' setting for container '${container.name}': ` +
            `the volume '${truncateText(mount.sourceVolume ?? '')}' is not defined in the task definition's volumes.`,
        );
      }
    }
    for (const from of container.volumesFrom ?? []) {
      if (!from.sourceContainer || !names.has(from.sourceContainer)) {
        throw new ClientException(
          `Invalid 'volumesFrom' setting for container '${container.name}': ` +
            `the container '${truncateText(from.sourceContainer ?? '')}' is not defined in the task definition.`,
        );
      }
    }
    for (const dependency of container.dependsOn ?? []) {
      if (!names.has(dependency.containerName!)) {
        throw new ClientException(
          `Invalid 'dependsOn' setting for container '${container.name}': ` +
            `the container '${truncateText(dependency.containerName ?? '')}' is not defined in the task definition.`,
        );
      }
      if (dependency.containerName === container.name) {
        throw new ClientException(
          `Invalid 'dependsOn' setting for container '${container.name}': a container can't depend on itself.`,
        );
      }
      const target = containers.find((c) => c.name === dependency.containerName)!;
      if (dependency.condition === 'HEALTHY' && !target.healthCheck) {
        throw new ClientException(
          `Invalid 'dependsOn' setting for container '${container.name}': the HEALTHY condition requires ` +
            `container '${target.name}' to have a health check.`,
        );
      }
      if ((dependency.condition === 'COMPLETE' || dependency.condition === 'SUCCESS') && target.essential !== false) {
        throw new ClientException(
          `Invalid 'dependsOn' setting for container '${container.name}': the ${dependency.condition} condition ` +
            `can't be set on the essential container '${target.name}'.`,
        );
      }
    }
    validatePortMappings(container, input.networkMode);
  }
  assertNoDependencyCycle(containers);
  return waived;
}

/** A `dependsOn` cycle could never start: refuse it at registration. */
function assertNoDependencyCycle(containers: readonly ContainerDefinition[]): void {
  // Without any dependency there is no cycle (most task definitions): no walk, no map, no paths.
  if (!containers.some((c) => c.dependsOn?.length)) return;
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new ClientException(
        `Invalid 'dependsOn' settings: the containers ${truncateText([...path, name].join(' → '), 1_000)} form a cycle.`,
      );
    }
    state.set(name, 'visiting');
    const container = containers.find((c) => c.name === name);
    for (const dependency of container?.dependsOn ?? []) visit(dependency.containerName!, [...path, name]);
    state.set(name, 'done');
  };
  for (const container of containers) visit(container.name!, []);
}

/**
 * Throws for container memory values ECS refuses everywhere. Returns ECS's refusal of a container with no
 * memory at all (and no task memory): Docker runs it without a limit, as `docker run` does.
 */
function validateContainerMemory(container: ContainerDefinition, taskMemory: number | undefined): string | undefined {
  const { memory, memoryReservation, name } = container;
  // Each field checked by a call of its own, not a loop over [field, value] pairs: no arrays made and
  // destructured per registration, and less code for the optimizing compiler (Register's hottest path).
  assertContainerMemory(name, 'memory', memory);
  assertContainerMemory(name, 'memoryReservation', memoryReservation);
  if (memory !== undefined && memoryReservation !== undefined && memoryReservation > memory) {
    throw new ClientException(
      `Invalid setting for container '${name}'. The value for 'memoryReservation' must be less than or equal to 'memory'.`,
    );
  }
  if (taskMemory === undefined && memory === undefined && memoryReservation === undefined) {
    return `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`;
  }
  return undefined;
}

function assertContainerMemory(name: string | undefined, field: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < MIN_CONTAINER_MEMORY_MIB)) {
    throw new ClientException(
      `Invalid setting for container '${name}'. The minimum allowed value for '${field}' is ${MIN_CONTAINER_MEMORY_MIB} MiB.`,
    );
  }
}

function validatePortMappings(container: ContainerDefinition, networkMode: NetworkMode | undefined): void {
  for (const mapping of container.portMappings ?? []) {
    const { containerPort, hostPort, containerPortRange } = mapping;
    if (containerPort === undefined && containerPortRange === undefined) {
      throw new ClientException(
        `Invalid 'portMappings' setting for container '${container.name}': a port mapping needs a 'containerPort' or a 'containerPortRange'.`,
      );
    }
    // One call per field, as in validateContainerMemory.
    assertPortNumber(container.name, 'containerPort', containerPort, 1);
    assertPortNumber(container.name, 'hostPort', hostPort, 0);
    if ((networkMode === 'awsvpc' || networkMode === 'host') && hostPort !== undefined && containerPort !== undefined) {
      if (hostPort !== containerPort) {
        throw new ClientException(
          `When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`,
        );
      }
    }
    if (networkMode === 'none') {
      throw new ClientException(
        `Invalid 'portMappings' setting for container '${container.name}': port mappings are not allowed when networkMode=none.`,
      );
    }
  }
}

/** A port mapping's port: an integer from `least` (1 for a container port, 0 for a host port) to 65535. */
function assertPortNumber(container: string | undefined, field: string, port: number | undefined, least: number): void {
  if (port !== undefined && (!Number.isInteger(port) || port < least || port > 65535)) {
    throw new ClientException(
      `Invalid 'portMappings' setting for container '${container}': '${field}' must be a port number from 1 to 65535.`,
    );
  }
}

/** What ECS adds to a registration: identity, status, defaults, computed attributes. */
export interface RegistrationFacts {
  readonly taskDefinitionArn: string;
  readonly revision: number;
  readonly registeredAt: Date;
  readonly registeredBy: string;
}

/**
 * The task definition ECS stores for a valid registration: every field given is kept, and the defaults
 * ECS fills in are added (container `cpu: 0`, `essential: true`, empty lists, port protocol and host port,
 * network mode), with `compatibilities` and `requiresAttributes` computed.
 */
// What a registration copies from its request: the API's members only (tags are stored apart).
const registerMembers = modelMembers('RegisterTaskDefinitionRequest');
const taskDefinitionMembers = onFirstUse(() => new Set([...registerMembers()].filter((name) => name !== 'tags')));
const containerMembers = modelMembers('ContainerDefinition');
const portMappingMembers = modelMembers('PortMapping');

export function buildTaskDefinition(
  input: RegisterTaskDefinitionRequest,
  facts: RegistrationFacts,
): TaskDefinition & { taskDefinitionArn: string; family: string; revision: number } {
  const networkMode: NetworkMode = input.networkMode ?? 'bridge';
  const cpu = input.cpu === undefined ? undefined : parseTaskCpu(input.cpu);
  const memory = input.memory === undefined ? undefined : parseTaskMemory(input.memory);
  const containerDefinitions = (input.containerDefinitions ?? []).map((c) => withContainerDefaults(c, networkMode));
  // Assigned in the order `{ taskDefinitionArn, ...given, family, … }` gave them (copy-members.ts says why).
  const definition = { taskDefinitionArn: facts.taskDefinitionArn } as TaskDefinition & {
    taskDefinitionArn: string;
    family: string;
    revision: number;
  };
  copyMembers(definition, input, taskDefinitionMembers());
  definition.family = input.family!;
  definition.containerDefinitions = containerDefinitions;
  definition.revision = facts.revision;
  definition.volumes = input.volumes ?? [];
  definition.status = 'ACTIVE';
  definition.networkMode = networkMode;
  definition.placementConstraints = input.placementConstraints ?? [];
  definition.requiresAttributes = requiredAttributes(input, containerDefinitions, networkMode);
  definition.compatibilities = compatibilitiesOf(input, networkMode, cpu, memory);
  definition.registeredAt = facts.registeredAt;
  definition.registeredBy = facts.registeredBy;
  if (cpu !== undefined) definition.cpu = String(cpu);
  if (memory !== undefined) definition.memory = String(memory);
  return definition;
}

function withContainerDefaults(container: ContainerDefinition, networkMode: NetworkMode): ContainerDefinition {
  const result = copyMembers({} as ContainerDefinition, container, containerMembers());
  result.cpu = container.cpu ?? 0;
  result.portMappings = (container.portMappings ?? []).map((m) => withPortDefaults(m, networkMode));
  result.essential = container.essential ?? true;
  result.environment = container.environment ?? [];
  result.mountPoints = container.mountPoints ?? [];
  result.volumesFrom = container.volumesFrom ?? [];
  result.systemControls = container.systemControls ?? [];
  return result;
}

function withPortDefaults(mapping: PortMapping, networkMode: NetworkMode): PortMapping {
  const result = copyMembers({} as PortMapping, mapping, portMappingMembers());
  result.protocol = mapping.protocol ?? 'tcp';
  if (mapping.containerPort !== undefined && mapping.hostPort === undefined) {
    // awsvpc and host publish the container port itself; bridge without a host port asks for a dynamic one.
    result.hostPort = networkMode === 'awsvpc' || networkMode === 'host' ? mapping.containerPort : 0;
  }
  return result;
}

function compatibilitiesOf(
  input: RegisterTaskDefinitionRequest,
  networkMode: NetworkMode,
  cpu: number | undefined,
  memory: number | undefined,
): Compatibility[] {
  const fargate =
    networkMode === 'awsvpc' && cpu !== undefined && memory !== undefined && isFargateCombination(cpu, memory);
  const required = input.requiresCompatibilities;
  const external = required?.includes('EXTERNAL') === true;
  const managed = required?.includes('MANAGED_INSTANCES') === true;
  // One of eight lists, found by what it holds: no list, key string or hash per registration.
  const index = (fargate ? 1 : 0) + (external ? 2 : 0) + (managed ? 4 : 0);
  let list = compatibilityLists[index];
  if (list === undefined) {
    const result: Compatibility[] = ['EC2'];
    if (fargate) result.push('FARGATE');
    if (external) result.push('EXTERNAL');
    if (managed) result.push('MANAGED_INSTANCES');
    list = compatibilityLists[index] = sharedStoredValue(result);
  }
  return list as Compatibility[];
}

/**
 * Values many task definitions hold alike (a `compatibilities` list, a `{ name }` required attribute), made
 * once as the store's own shared values (frozen): the store keeps them as they are, without a look inside,
 * so a stored registration refers to the shared one instead of holding copies (~250 B less heap per stored
 * record, which every scavenge that meets it copies).
 * Bounded: eight compatibility lists; attribute names come from a fixed list and the model's enums (log
 * drivers, FireLens types).
 */
const compatibilityLists: (readonly Compatibility[] | undefined)[] = new Array(8).fill(undefined);
const sharedAttributes = new Map<string, Attribute>();
function sharedAttribute(name: string): Attribute {
  let attribute = sharedAttributes.get(name);
  if (attribute === undefined) {
    attribute = sharedStoredValue({ name });
    sharedAttributes.set(name, attribute);
  }
  return attribute;
}

const DOCKER_API_1_18 = 'com.amazonaws.ecs.capability.docker-remote-api.1.18';
const DOCKER_API_1_19 = 'com.amazonaws.ecs.capability.docker-remote-api.1.19';
const DOCKER_API_1_24 = 'com.amazonaws.ecs.capability.docker-remote-api.1.24';
const DOCKER_API_1_38 = 'com.amazonaws.ecs.capability.docker-remote-api.1.38';

/** An attribute named after a model enum's value (a log driver, a FireLens type), its name built once. */
function namedAttribute(names: Map<string, Attribute>, prefix: string, value: string): Attribute {
  let attribute = names.get(value);
  if (attribute === undefined) {
    attribute = sharedAttribute(`${prefix}${value}`);
    names.set(value, attribute);
  }
  return attribute;
}
const loggingDriverAttributes = new Map<string, Attribute>();
const firelensAttributes = new Map<string, Attribute>();

/**
 * Adds the shared attribute `name` to `found` unless it is there already, keeping `found` in the order
 * `Array.prototype.sort` gives names (UTF-16 code units): what `[...new Set(names)].sort()` gave, without
 * the set, the name strings and the sort's own state on every registration (~1.4 kB of the young generation).
 */
function addAttribute(found: Attribute[], attribute: Attribute): void {
  const name = attribute.name!;
  let i = found.length;
  while (i > 0) {
    const other = found[i - 1]!;
    // Shared attributes are one per name, so a name already here is this same object, met before a
    // smaller name stops the walk (the list is sorted).
    if (other === attribute) return;
    if (other.name! < name) break;
    i--;
  }
  // Inserted at i by hand: `splice` would make an array of the (no) removed items.
  for (let j = found.length; j > i; j--) found[j] = found[j - 1]!;
  found[i] = attribute;
}

/** The container instance attributes ECS derives from what a task definition uses. */
function requiredAttributes(
  input: RegisterTaskDefinitionRequest,
  containers: readonly ContainerDefinition[],
  networkMode: NetworkMode,
): Attribute[] {
  const found: Attribute[] = [];
  const add = (name: string) => addAttribute(found, sharedAttribute(name));
  if (networkMode === 'awsvpc') add('ecs.capability.task-eni');
  if (input.taskRoleArn) {
    add('com.amazonaws.ecs.capability.task-iam-role');
    add(DOCKER_API_1_19);
  }
  if (input.pidMode || input.ipcMode) add(DOCKER_API_1_18);
  for (const container of containers) {
    const logDriver = container.logConfiguration?.logDriver;
    if (logDriver) {
      addAttribute(
        found,
        namedAttribute(loggingDriverAttributes, 'com.amazonaws.ecs.capability.logging-driver.', logDriver),
      );
      add(DOCKER_API_1_19);
      if (logDriver === 'awslogs' && input.executionRoleArn) add('ecs.capability.execution-role-awslogs');
    }
    if (container.healthCheck) {
      add('ecs.capability.container-health-check');
      add(DOCKER_API_1_24);
    }
    if (container.dependsOn?.length) add('ecs.capability.container-ordering');
    if (container.dockerLabels && hasOwnMember(container.dockerLabels)) add(DOCKER_API_1_18);
    if (container.secrets?.length) {
      for (const secret of container.secrets) {
        add(
          secret.valueFrom?.includes(':secretsmanager:')
            ? 'ecs.capability.secrets.asm.environment-variables'
            : 'ecs.capability.secrets.ssm.environment-variables',
        );
      }
    }
    if (container.environmentFiles?.length) add('ecs.capability.env-files.s3');
    if (container.image && /\.dkr\.ecr\./.test(container.image) && input.executionRoleArn) {
      add('ecs.capability.execution-role-ecr-pull');
    }
    if (container.repositoryCredentials)
      add('com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager');
    if (container.firelensConfiguration)
      addAttribute(
        found,
        namedAttribute(firelensAttributes, 'ecs.capability.firelens.', String(container.firelensConfiguration.type)),
      );
    if (container.ulimits?.length) add(DOCKER_API_1_18);
    if (container.systemControls?.length) add(DOCKER_API_1_38);
  }
  if (input.volumes?.some((v) => v.efsVolumeConfiguration)) add('ecs.capability.efs');
  return found;
}

/** Whether `Object.keys(object).length > 0`, without the list. */
function hasOwnMember(object: object): boolean {
  for (const key in object) if (Object.prototype.hasOwnProperty.call(object, key)) return true;
  return false;
}
