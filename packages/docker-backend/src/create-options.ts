import type Dockerode from 'dockerode';
import type { ContainerSpec, HealthCheckSpec } from './container-backend';
import { ContainerBackendError } from './errors';

const NANOSECONDS_PER_SECOND = 1e9;

/** A container spec → the Engine API's create body (`Config` with `HostConfig` and `NetworkingConfig`). */
export function toCreateOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const exposedPorts: Record<string, object> = {};
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const port of spec.ports ?? []) {
    const key = `${port.containerPort}/${port.protocol ?? 'tcp'}`;
    exposedPorts[key] = {};
    // An empty HostPort asks the engine for a free one.
    (portBindings[key] ??= []).push({
      HostIp: port.hostIp ?? '',
      HostPort: port.hostPort ? String(port.hostPort) : '',
    });
  }

  const hostConfig: Record<string, unknown> = {
    NetworkMode: spec.networkMode,
    Binds: spec.mounts?.map((mount) => {
      if (mount.type === 'bind' && !mount.source.startsWith('/')) {
        // The engine would silently take a relative source for a volume name.
        throw new ContainerBackendError(`Bind mount source must be an absolute path: '${mount.source}'.`);
      }
      return `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`;
    }),
    VolumesFrom: spec.volumesFrom ? [...spec.volumesFrom] : undefined,
    PortBindings: spec.ports?.length ? portBindings : undefined,
    ExtraHosts: spec.extraHosts ? [...spec.extraHosts] : undefined,
    Dns: spec.dns?.length ? [...spec.dns] : undefined,
    CpuShares: spec.cpuShares,
    NanoCpus: spec.nanoCpus,
    Memory: spec.memory,
    MemoryReservation: spec.memoryReservation,
    Ulimits: spec.ulimits?.map((ulimit) => ({ Name: ulimit.name, Soft: ulimit.soft, Hard: ulimit.hard })),
    ReadonlyRootfs: spec.readonlyRootFilesystem,
    Privileged: spec.privileged,
    Init: spec.init,
  };

  const named = spec.networkMode !== undefined && !isBuiltInNetworkMode(spec.networkMode);
  return dropUndefined({
    name: spec.name,
    Image: spec.image,
    Labels: spec.labels ? { ...spec.labels } : undefined,
    Env: spec.env ? toEnvList(spec.env) : undefined,
    Cmd: spec.command ? [...spec.command] : undefined,
    Entrypoint: spec.entrypoint ? [...spec.entrypoint] : undefined,
    WorkingDir: spec.workingDir,
    User: spec.user,
    Hostname: spec.hostname,
    ExposedPorts: spec.ports?.length ? exposedPorts : undefined,
    Healthcheck: spec.healthCheck ? toHealthConfig(spec.healthCheck) : undefined,
    StopTimeout: spec.stopTimeout,
    StopSignal: spec.stopSignal,
    // Detached: output goes to the log driver, read back through containerLogs.
    Tty: spec.tty ?? false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    OpenStdin: false,
    HostConfig: mergeHostConfig(dropUndefined(hostConfig), spec.extraHostConfig ?? {}),
    NetworkingConfig:
      named && spec.networkAliases?.length
        ? { EndpointsConfig: { [spec.networkMode!]: { Aliases: [...spec.networkAliases] } } }
        : undefined,
  }) as Dockerode.ContainerCreateOptions;
}

export function toHealthConfig(check: HealthCheckSpec): Dockerode.HealthConfig {
  // Zero means "engine default" to Docker, so absent values are simply left at zero.
  return {
    Test: [...check.test],
    Interval: seconds(check.intervalSeconds),
    Timeout: seconds(check.timeoutSeconds),
    Retries: check.retries ?? 0,
    StartPeriod: seconds(check.startPeriodSeconds),
  };
}

/** Arrays are appended, plain objects merged one level deep, anything else replaced. */
export function mergeHostConfig(
  base: Record<string, unknown>,
  extra: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = merged[key];
    if (Array.isArray(current) && Array.isArray(value)) merged[key] = [...current, ...value];
    else if (isPlainObject(current) && isPlainObject(value)) merged[key] = { ...current, ...value };
    else merged[key] = value;
  }
  return merged;
}

function toEnvList(env: NonNullable<ContainerSpec['env']>): string[] {
  if (isStringList(env)) return [...env];
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

function isStringList(env: NonNullable<ContainerSpec['env']>): env is readonly string[] {
  return Array.isArray(env);
}

function isBuiltInNetworkMode(mode: string): boolean {
  return mode === 'bridge' || mode === 'host' || mode === 'none' || mode === 'default' || mode.startsWith('container:');
}

function seconds(value: number | undefined): number {
  return Math.round((value ?? 0) * NANOSECONDS_PER_SECOND);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dropUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
