import type {
  ContainerEvent,
  ContainerHealth,
  ContainerInfo,
  ContainerStatus,
  ContainerSummary,
  HealthStatus,
  ImageInfo,
  NetworkAttachment,
  PortMapping,
  PortProtocol,
} from './container-backend';

/*
 * Engine answers → the project's types. The raw shapes below are what the Engine API (1.41) really
 * sends, nulls included, rather than the optimistic client typings.
 */

export interface RawImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: string;
  Os?: string;
  Architecture?: string;
  Size?: number;
}

export interface RawContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Created: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    Error?: string;
    OOMKilled: boolean;
    Pid?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status: string; FailingStreak: number; Log?: Array<{ Output?: string }> | null };
  };
  Config: {
    Image: string;
    Labels?: Record<string, string> | null;
    Cmd?: string[] | null;
    Entrypoint?: string | string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    Hostname?: string;
    Tty?: boolean;
  };
  HostConfig: { NetworkMode?: string };
  NetworkSettings: {
    Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
    Networks?: Record<string, RawEndpoint> | null;
  };
}

interface RawEndpoint {
  NetworkID: string;
  IPAddress: string;
  Gateway: string;
  MacAddress: string;
  Aliases?: string[] | null;
}

export interface RawContainerListItem {
  Id: string;
  Names?: string[] | null;
  Image: string;
  ImageID: string;
  Labels?: Record<string, string> | null;
  State: string;
  Created: number;
}

export interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  time?: number;
  timeNano?: number;
}

export function mapImage(raw: RawImageInspect): ImageInfo {
  return {
    id: raw.Id,
    repoTags: raw.RepoTags ?? [],
    repoDigests: raw.RepoDigests ?? [],
    created: parseTime(raw.Created),
    os: raw.Os ?? '',
    architecture: raw.Architecture ?? '',
    sizeBytes: raw.Size ?? 0,
  };
}

export function mapContainer(raw: RawContainerInspect): ContainerInfo {
  const state = raw.State;
  return {
    id: raw.Id,
    name: stripSlash(raw.Name),
    image: raw.Config.Image,
    imageId: raw.Image,
    labels: raw.Config.Labels ?? {},
    created: parseTime(raw.Created) ?? new Date(0),
    command: raw.Config.Cmd ?? [],
    entrypoint: typeof raw.Config.Entrypoint === 'string' ? [raw.Config.Entrypoint] : (raw.Config.Entrypoint ?? []),
    env: parseEnv(raw.Config.Env ?? []),
    workingDir: raw.Config.WorkingDir ?? '',
    user: raw.Config.User ?? '',
    hostname: raw.Config.Hostname ?? '',
    networkMode: raw.HostConfig.NetworkMode ?? '',
    state: {
      status: state.Status as ContainerStatus,
      running: state.Running,
      exitCode: state.ExitCode,
      error: state.Error ?? '',
      oomKilled: state.OOMKilled,
      pid: state.Pid || undefined,
      startedAt: parseTime(state.StartedAt),
      finishedAt: parseTime(state.FinishedAt),
      health: state.Health ? mapHealth(state.Health) : undefined,
    },
    ports: mapPorts(raw.NetworkSettings.Ports ?? {}),
    networks: Object.entries(raw.NetworkSettings.Networks ?? {}).map(([name, endpoint]) => mapEndpoint(name, endpoint)),
  };
}

export function mapContainerSummary(raw: RawContainerListItem): ContainerSummary {
  return {
    id: raw.Id,
    name: stripSlash(raw.Names?.[0] ?? ''),
    image: raw.Image,
    imageId: raw.ImageID,
    labels: raw.Labels ?? {},
    status: raw.State as ContainerStatus,
    created: new Date(raw.Created * 1000),
  };
}

// Attributes of container events mix the container's labels with these engine-set keys.
const EVENT_ATTRIBUTES = new Set(['name', 'image', 'exitCode', 'signal', 'execID']);

/** A container event from the engine's stream; undefined for other event types. */
export function mapEvent(raw: RawEvent): ContainerEvent | undefined {
  if (raw.Type !== 'container' || !raw.Action || !raw.Actor?.ID) return undefined;
  const attributes = raw.Actor.Attributes ?? {};
  const separator = raw.Action.indexOf(':');
  const action = separator < 0 ? raw.Action : raw.Action.slice(0, separator);
  const detail = separator < 0 ? undefined : raw.Action.slice(separator + 1).trim();
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!EVENT_ATTRIBUTES.has(key)) labels[key] = value;
  }
  const time = raw.timeNano ? new Date(Math.floor(raw.timeNano / 1e6)) : new Date((raw.time ?? 0) * 1000);
  return {
    id: raw.Actor.ID,
    action,
    name: attributes.name,
    image: attributes.image,
    exitCode: attributes.exitCode !== undefined ? Number(attributes.exitCode) : undefined,
    signal: attributes.signal,
    healthStatus: action === 'health_status' ? (detail as HealthStatus) : undefined,
    labels,
    time,
  };
}

/** `KEY=VALUE` list → record; a bare `KEY` maps to an empty string. */
export function parseEnv(list: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of list) {
    const separator = entry.indexOf('=');
    if (separator < 0) env[entry] = '';
    else env[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return env;
}

function mapHealth(raw: NonNullable<RawContainerInspect['State']['Health']>): ContainerHealth {
  const log = raw.Log ?? [];
  return {
    status: raw.Status as HealthStatus,
    failingStreak: raw.FailingStreak,
    lastOutput: log.length > 0 ? log[log.length - 1]!.Output : undefined,
  };
}

function mapPorts(raw: NonNullable<RawContainerInspect['NetworkSettings']['Ports']>): PortMapping[] {
  const ports: PortMapping[] = [];
  for (const [key, bindings] of Object.entries(raw)) {
    const [port, protocol = 'tcp'] = key.split('/');
    // Exposed but unpublished ports have no bindings.
    for (const binding of bindings ?? []) {
      ports.push({
        containerPort: Number(port),
        protocol: protocol as PortProtocol,
        hostIp: binding.HostIp,
        hostPort: Number(binding.HostPort),
      });
    }
  }
  return ports;
}

function mapEndpoint(name: string, raw: RawEndpoint): NetworkAttachment {
  return {
    name,
    networkId: raw.NetworkID,
    ipAddress: raw.IPAddress,
    gateway: raw.Gateway,
    macAddress: raw.MacAddress,
    aliases: raw.Aliases ?? [],
  };
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/** Docker writes "never" as Go's zero time, 0001-01-01T00:00:00Z. */
function parseTime(value: string | undefined): Date | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
