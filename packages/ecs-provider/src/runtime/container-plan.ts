import type {
  ContainerDefinition,
  ContainerOverride,
  KeyValuePair,
  TaskDefinition,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import { PAUSE_IMAGE, type ContainerSpec, type Mount, type PortBinding } from '@localcloud/docker-backend';
import type { EcsRuntimeConfig } from './runtime-config';
import { LABELS, type ContainerRole } from './labels';

/** Who a task's containers belong to: written into their labels and names. */
export interface TaskIdentity {
  readonly accountId: string;
  readonly region: string;
  readonly clusterArn: string;
  readonly taskArn: string;
  /** The 32-hex-digit id at the end of the task ARN. */
  readonly taskId: string;
  readonly launchType: string;
  /** The gateway instance that owns the task's containers (`LABELS.instance`). */
  readonly instanceId: string;
}

export interface PlannedContainer {
  /** The ECS container name. */
  readonly name: string;
  readonly essential: boolean;
  readonly dependsOn: readonly { readonly containerName: string; readonly condition: string }[];
  readonly stopTimeoutSeconds: number;
  readonly hasHealthCheck: boolean;
  /** ECS names of the containers whose volumes this one mounts (`volumesFrom`). */
  readonly volumesFromNames: readonly string[];
  /** Container ports of the definition's port mappings, to report its network bindings. */
  readonly containerPorts: readonly number[];
  readonly spec: ContainerSpec & { readonly name: string };
}

/** How a task's containers are wired to Docker; computed once, before anything is created. */
export interface TaskPlan {
  readonly networkMode: string;
  /** Holds the shared network namespace of a multi-container awsvpc task. */
  readonly networkHolder?: ContainerSpec & { readonly name: string };
  /** Docker volumes to create before the containers; task-scoped ones are removed with the task. */
  readonly volumes: readonly PlannedVolume[];
  readonly containers: readonly PlannedContainer[];
}

export interface PlannedVolume {
  readonly name: string;
  readonly scope: 'task' | 'shared';
  readonly driver?: string;
  readonly driverOpts?: Record<string, string>;
  readonly labels?: Record<string, string>;
}

export interface PlanInput {
  readonly definition: TaskDefinition;
  readonly overrides?: TaskOverride;
  readonly task: TaskIdentity;
  readonly config: EcsRuntimeConfig;
  /** `AWS_ENDPOINT_URL` for the containers, when injected. */
  readonly endpointUrl?: string;
  /** Extra environment for every container (e.g. the metadata endpoint), overridable by nothing. */
  readonly runtimeEnvironment?: Readonly<Record<string, string>>;
  /** Extra environment per ECS container name (e.g. its own metadata URI), overridable by nothing. */
  readonly containerEnvironment?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Per ECS container name, its `secrets` resolved at start (held in memory only, never stored). */
  readonly secretEnvironment?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const MIB = 1024 * 1024;

/** Effective network mode: ECS's default is awsvpc on Fargate and bridge elsewhere. */
export function effectiveNetworkMode(definition: TaskDefinition, launchType: string): string {
  if (definition.networkMode) return definition.networkMode;
  return launchType === 'FARGATE' ? 'awsvpc' : 'bridge';
}

export function planTask(input: PlanInput): TaskPlan {
  const { definition, task, config } = input;
  const family = definition.family!;
  const revision = definition.revision!;
  const containers = definition.containerDefinitions ?? [];
  const networkMode = effectiveNetworkMode(definition, task.launchType);
  const namePrefix = `${config.containerPrefix}_${family}_${revision}`;
  const dockerName = (containerName: string) => `${namePrefix}_${containerName}_${task.taskId}`;
  const holderName = `${namePrefix}_network_${task.taskId}`;
  const sharesNamespace = networkMode === 'awsvpc' && containers.length > 1;
  const userNetwork = config.dockerNetwork;
  const baseNetwork = userNetwork ?? 'bridge';

  const labels = (role: ContainerRole, containerName?: string): Record<string, string> => ({
    [LABELS.managed]: config.containerPrefix,
    [LABELS.instance]: task.instanceId,
    [LABELS.accountId]: task.accountId,
    [LABELS.region]: task.region,
    [LABELS.clusterArn]: task.clusterArn,
    [LABELS.taskArn]: task.taskArn,
    [LABELS.taskDefinitionArn]: definition.taskDefinitionArn!,
    [LABELS.role]: role,
    ...(containerName ? { [LABELS.containerName]: containerName } : {}),
  });

  const volumes = planVolumes(definition, task, config);
  const reachesHost = input.endpointUrl || input.containerEnvironment;
  const endpointHosts = reachesHost && networkMode !== 'host' ? ['host.docker.internal:host-gateway'] : [];

  const planned = containers.map((container): PlannedContainer => {
    const override = input.overrides?.containerOverrides?.find((o) => o.name === container.name);
    const ports = portBindings(container, networkMode);
    const ownNetwork = !sharesNamespace;
    const spec: ContainerSpec & { name: string } = {
      name: dockerName(container.name!),
      image: container.image!,
      labels: { ...container.dockerLabels, ...config.dockerFlags.labels, ...labels('container', container.name) },
      env: environment(container, override, input),
      command: override?.command ?? container.command,
      entrypoint: container.entryPoint,
      workingDir: container.workingDirectory,
      user: container.user,
      hostname: ownNetwork && networkMode !== 'host' && networkMode !== 'awsvpc' ? container.hostname : undefined,
      extraHosts: ownNetwork ? [...extraHosts(container), ...endpointHosts] : undefined,
      mounts: (container.mountPoints ?? []).map((mp) =>
        volumes.mountFor(mp.sourceVolume!, mp.containerPath!, mp.readOnly),
      ),
      volumesFrom: (container.volumesFrom ?? []).map(
        (vf) => `${dockerName(vf.sourceContainer!)}${vf.readOnly ? ':ro' : ''}`,
      ),
      ports: ownNetwork ? ports : undefined,
      networkMode: sharesNamespace ? `container:${holderName}` : dockerNetworkMode(networkMode, baseNetwork),
      networkAliases: ownNetwork && userNetwork && networkMode !== 'host' ? [container.name!] : undefined,
      cpuShares: cpuShares(override?.cpu ?? container.cpu),
      memory: mib(override?.memory ?? container.memory),
      memoryReservation: mib(override?.memoryReservation ?? container.memoryReservation),
      ulimits: container.ulimits?.map((u) => ({ name: u.name!, soft: u.softLimit!, hard: u.hardLimit! })),
      readonlyRootFilesystem: container.readonlyRootFilesystem,
      privileged: container.privileged,
      init: container.linuxParameters?.initProcessEnabled,
      healthCheck: container.healthCheck?.command
        ? {
            test: container.healthCheck.command,
            intervalSeconds: container.healthCheck.interval ?? 30,
            timeoutSeconds: container.healthCheck.timeout ?? 5,
            retries: container.healthCheck.retries ?? 3,
            startPeriodSeconds: container.healthCheck.startPeriod ?? 0,
          }
        : undefined,
      stopTimeout: container.stopTimeout ?? config.defaultStopTimeoutSeconds,
      tty: container.pseudoTerminal,
      extraHostConfig:
        Object.keys(config.dockerFlags.hostConfig).length > 0 ? config.dockerFlags.hostConfig : undefined,
    };
    return {
      name: container.name!,
      essential: container.essential ?? true,
      dependsOn: (container.dependsOn ?? []).map((d) => ({ containerName: d.containerName!, condition: d.condition! })),
      stopTimeoutSeconds: container.stopTimeout ?? config.defaultStopTimeoutSeconds,
      hasHealthCheck: Boolean(container.healthCheck?.command),
      volumesFromNames: (container.volumesFrom ?? []).map((vf) => vf.sourceContainer!),
      containerPorts: (container.portMappings ?? []).flatMap((pm) => (pm.containerPort ? [pm.containerPort] : [])),
      spec,
    };
  });

  const networkHolder: (ContainerSpec & { name: string }) | undefined = sharesNamespace
    ? {
        name: holderName,
        image: config.networkHolderImage ?? PAUSE_IMAGE,
        command: config.networkHolderCommand,
        labels: labels('network-holder'),
        // Ports of every container are published on the namespace they share, as awsvpc does.
        ports: containers.flatMap((c) => portBindings(c, networkMode)),
        extraHosts: [...containers.flatMap(extraHosts), ...endpointHosts],
        networkMode: baseNetwork,
        networkAliases: userNetwork ? containers.map((c) => c.name!) : undefined,
        stopTimeout: 1,
      }
    : undefined;

  return {
    networkMode,
    networkHolder,
    volumes: volumes.volumes,
    containers: planned,
  };
}

function dockerNetworkMode(networkMode: string, baseNetwork: string): string {
  if (networkMode === 'host') return 'host';
  if (networkMode === 'none') return 'none';
  return baseNetwork;
}

/** awsvpc and host publish containerPort as is; bridge takes hostPort or lets the engine pick one. */
function portBindings(container: ContainerDefinition, networkMode: string): PortBinding[] {
  if (networkMode === 'host' || networkMode === 'none') return [];
  return (container.portMappings ?? [])
    .filter((pm) => pm.containerPort !== undefined)
    .map((pm) => ({
      containerPort: pm.containerPort!,
      protocol: pm.protocol === 'udp' ? 'udp' : 'tcp',
      hostPort: networkMode === 'awsvpc' ? pm.containerPort : pm.hostPort || undefined,
    }));
}

function extraHosts(container: ContainerDefinition): string[] {
  return (container.extraHosts ?? []).map((h) => `${h.hostname}:${h.ipAddress}`);
}

/** Definition environment, then overrides, then secrets, then what ECS itself sets (which a task cannot override). */
function environment(
  container: ContainerDefinition,
  override: ContainerOverride | undefined,
  input: PlanInput,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (input.endpointUrl) env.AWS_ENDPOINT_URL = input.endpointUrl;
  for (const entry of input.config.dockerFlags.env) {
    const [key, value = ''] = entry.split(/=(.*)/s);
    if (key) env[key] = value;
  }
  const put = (pairs: KeyValuePair[] | undefined) => pairs?.forEach((p) => p.name && (env[p.name] = p.value ?? ''));
  put(container.environment);
  put(override?.environment);
  Object.assign(env, input.secretEnvironment?.[container.name!]);
  env.AWS_REGION = input.task.region;
  env.AWS_DEFAULT_REGION = input.task.region;
  env.AWS_EXECUTION_ENV = input.task.launchType === 'FARGATE' ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2';
  Object.assign(env, input.runtimeEnvironment);
  Object.assign(env, input.containerEnvironment?.[container.name!]);
  return env;
}

function cpuShares(units: number | undefined): number | undefined {
  // Docker refuses CPU shares below 2; ECS's agent maps 0 and 1 the same way.
  return units ? Math.max(2, units) : undefined;
}

function mib(value: number | undefined): number | undefined {
  return value ? value * MIB : undefined;
}

/** Resolves `mountPoints` to bind mounts and Docker volumes, and lists the volumes the task owns. */
function planVolumes(definition: TaskDefinition, task: TaskIdentity, config: EcsRuntimeConfig) {
  const planned: PlannedVolume[] = [];
  const sources = new Map<string, { type: 'bind' | 'volume'; source: string }>();
  for (const volume of definition.volumes ?? []) {
    const name = volume.name!;
    if (volume.host?.sourcePath) {
      sources.set(name, { type: 'bind', source: volume.host.sourcePath });
    } else if (volume.dockerVolumeConfiguration?.scope === 'shared') {
      const dvc = volume.dockerVolumeConfiguration;
      sources.set(name, { type: 'volume', source: name });
      // Without autoprovision the shared volume must exist; Docker creates a plain one otherwise.
      if (dvc.autoprovision)
        planned.push({ name, scope: 'shared', driver: dvc.driver, driverOpts: dvc.driverOpts, labels: dvc.labels });
    } else {
      // Task-scoped Docker volumes and empty (`host: {}`) volumes live as long as the task.
      const dvc = volume.dockerVolumeConfiguration;
      const source = `${config.containerPrefix}_${task.taskId}_${name}`;
      sources.set(name, { type: 'volume', source });
      planned.push({
        name: source,
        scope: 'task',
        driver: dvc?.driver,
        driverOpts: dvc?.driverOpts,
        labels: dvc?.labels,
      });
    }
  }
  return {
    volumes: planned,
    mountFor(volumeName: string, target: string, readOnly: boolean | undefined): Mount {
      const source = sources.get(volumeName);
      // Task definition validation guarantees the volume exists; this guards stored definitions.
      if (!source) throw new Error(`mount point names unknown volume '${volumeName}'`);
      return { ...source, target, readOnly: readOnly ?? false };
    },
  };
}
