import { truncateText } from '@localcloud/gateway';
import type {
  PortMapping,
  ServiceConnectConfiguration,
  ServiceConnectService,
  ServiceConnectServiceResource,
  ServiceRegistry,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { InvalidParameterException } from '../errors';

/** What ECS keeps of a service's Service Connect settings: the config as shown, and the Cloud Map services. */
export interface ServiceConnectState {
  /** As given, with `namespace` resolved to the Cloud Map namespace's ARN (as ECS shows it). */
  readonly configuration: ServiceConnectConfiguration;
  /** One per `services[]` entry: the Cloud Map service its tasks register in. */
  readonly resources: ServiceConnectServiceResource[];
  /** The namespace's name (for default alias names). */
  readonly namespaceName?: string;
}

/** Cloud Map service names ECS accepts for `discoveryName`: up to 64, lowercase, digits, `_`, `-`, no leading `-`. */
const DISCOVERY_NAME = /^[a-z0-9_][a-z0-9_-]{0,63}$/;

/** The Cloud Map service a `services[]` entry registers in: `discoveryName`, else the port name. */
export function discoveryNameOf(service: ServiceConnectService): string {
  return service.discoveryName ?? service.portName!;
}

/** The named port mapping a `services[]` entry serves, and its container. */
export function namedPortOf(
  definition: TaskDefinition,
  portName: string,
): { containerName: string; mapping: PortMapping } | undefined {
  for (const container of definition.containerDefinitions ?? []) {
    const mapping = container.portMappings?.find((m) => m.name === portName);
    if (mapping) return { containerName: container.name!, mapping };
  }
  return undefined;
}

/**
 * ECS's checks of a `serviceConnectConfiguration` that need no other service: network mode, each
 * `portName` naming a port mapping of the task definition, discovery names and client alias ports.
 * (The namespace is checked against Cloud Map by the caller.)
 */
export function checkServiceConnect(config: ServiceConnectConfiguration, definition: TaskDefinition): void {
  if (!config.enabled) return;
  const mode = definition.networkMode ?? 'bridge';
  if (mode !== 'awsvpc' && mode !== 'bridge') {
    throw new InvalidParameterException(
      `Service Connect is not supported for the ${mode} network mode; use awsvpc or bridge.`,
    );
  }
  const seen = new Set<string>();
  for (const service of config.services ?? []) {
    const portName = service.portName!;
    if (!namedPortOf(definition, portName)) {
      throw new InvalidParameterException(
        `The portName ${truncateText(portName)} in the Service Connect configuration does not match any portMappings name in the task definition ${definition.taskDefinitionArn}.`,
      );
    }
    const discoveryName = discoveryNameOf(service);
    if (!DISCOVERY_NAME.test(discoveryName)) {
      throw new InvalidParameterException(
        `The discoveryName ${truncateText(discoveryName)} is not valid: up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen.`,
      );
    }
    if (seen.has(discoveryName)) {
      throw new InvalidParameterException(
        `The discoveryName ${discoveryName} is used more than once in the Service Connect configuration.`,
      );
    }
    seen.add(discoveryName);
    for (const alias of service.clientAliases ?? []) {
      if (!Number.isInteger(alias.port) || alias.port! < 1 || alias.port! > 65535) {
        throw new InvalidParameterException('The port of a Service Connect client alias must be between 1 and 65535.');
      }
    }
    if (service.ingressPortOverride === 0) {
      throw new InvalidParameterException('ingressPortOverride must be between 1 and 65535.');
    }
  }
}

/**
 * The Cloud Map registrations Service Connect gives a service's tasks: each `services[]` entry's task
 * port (the named container port) in its Cloud Map service, the way `serviceRegistries` registers.
 */
export function serviceConnectRegistries(
  state: ServiceConnectState | undefined,
  definition: TaskDefinition | undefined,
): ServiceRegistry[] {
  if (!state?.configuration.enabled || !definition) return [];
  const registries: ServiceRegistry[] = [];
  for (const service of state.configuration.services ?? []) {
    const resource = state.resources.find((r) => r.discoveryName === discoveryNameOf(service));
    const port = namedPortOf(definition, service.portName!);
    if (!resource?.discoveryArn || !port) continue;
    registries.push({
      registryArn: resource.discoveryArn,
      containerName: port.containerName,
      containerPort: port.mapping.containerPort,
    });
  }
  return registries;
}
