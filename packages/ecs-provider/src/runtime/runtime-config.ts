import { EcsConfigError } from './config-error';
import { parseDockerFlags, type DockerFlags } from './docker-flags';

/** The ECS provider's settings, read from the environment (docs/configuration.md lists them). */
export interface EcsRuntimeConfig {
  /** Container names start with `<prefix>_<family>_<revision>`; also the value of the managed label. */
  readonly containerPrefix: string;
  /** Docker network task containers join; the engine's default bridge when absent. */
  readonly dockerNetwork?: string;
  /** Remove a task's containers once it has stopped. */
  readonly removeContainers: boolean;
  /** Extra `docker run` style flags applied to every task container. */
  readonly dockerFlags: DockerFlags;
  /**
   * Image of the container that holds a multi-container task's network namespace; absent: the
   * backend's built-in pause image, made locally on first use (no registry needed).
   */
  readonly networkHolderImage?: string;
  /** Command for the network holder; the image's own when absent. */
  readonly networkHolderCommand?: string[];
  /** Inject `AWS_ENDPOINT_URL` into task containers. */
  readonly injectEndpoint: boolean;
  /** `AWS_ENDPOINT_URL` given to tasks; derived from the gateway's port when absent. */
  readonly taskEndpointUrl?: string;
  /** Default seconds between SIGTERM and SIGKILL when a container definition has no stopTimeout. */
  readonly defaultStopTimeoutSeconds: number;
  /** How long STOPPED tasks stay describable. */
  readonly stoppedTaskRetentionSeconds: number;
  /**
   * Listener of the task agent endpoints (metadata, credentials, gateway proxy); absent when turned off.
   * Without a host: loopback and this host's addresses on the Docker networks tasks use.
   */
  readonly taskEndpoints?: { readonly host?: string; readonly port: number };
  /** Host name task containers use for that listener; `host.docker.internal` (the Docker host) when absent. */
  readonly taskEndpointsHost?: string;
  /** `ECS_SERVICE_CONNECT_PROXY_HOST`: where Service Connect alias proxies listen (default: this host's address on the task network). */
  readonly serviceConnectProxyHost?: string;
  /** Route 169.254.170.2 inside task network namespaces so SDKs find the credentials endpoint. */
  readonly credentialsRoute: boolean;
  /** `ECS_STRICT_VALIDATION=1`: refuse what AWS refuses, even where localcloud could run it. */
  readonly strictValidation: boolean;
  /** Where task containers' output is printed besides their log driver: the gateway's console, or nowhere. */
  readonly taskOutput: 'console' | 'off';
  /** Longest the recorded awslogs position of a container lags behind delivery (what a crash repeats). */
  readonly awslogsPositionIntervalMs: number;
}

export function loadEcsRuntimeConfig(env: Readonly<Record<string, string | undefined>>): EcsRuntimeConfig {
  const prefix = env.ECS_CONTAINER_PREFIX ?? 'localcloud';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(prefix)) {
    throw new EcsConfigError(`ECS_CONTAINER_PREFIX '${prefix}' is not a valid start of a Docker container name.`);
  }
  const holderCommand = env.ECS_NETWORK_HOLDER_COMMAND;
  return {
    containerPrefix: prefix,
    // LocalStack users already set MAIN_DOCKER_NETWORK / LAMBDA_DOCKER_NETWORK; honour them as aliases.
    dockerNetwork: env.ECS_DOCKER_NETWORK || env.MAIN_DOCKER_NETWORK || env.LAMBDA_DOCKER_NETWORK || undefined,
    removeContainers: !isFalse(env.ECS_REMOVE_CONTAINERS),
    dockerFlags: parseDockerFlags(env.ECS_DOCKER_FLAGS ?? ''),
    networkHolderImage: env.ECS_NETWORK_HOLDER_IMAGE || undefined,
    networkHolderCommand: holderCommand ? parseCommand('ECS_NETWORK_HOLDER_COMMAND', holderCommand) : undefined,
    injectEndpoint: !isFalse(env.ECS_INJECT_ENDPOINT_URL),
    taskEndpointUrl: env.ECS_TASK_ENDPOINT_URL || undefined,
    defaultStopTimeoutSeconds: 30,
    stoppedTaskRetentionSeconds: positiveInt(
      'ECS_STOPPED_TASK_RETENTION_SECONDS',
      env.ECS_STOPPED_TASK_RETENTION_SECONDS,
      3600,
    ),
    taskEndpoints: parseListen(env.ECS_TASK_ENDPOINTS_LISTEN),
    taskEndpointsHost: env.ECS_TASK_ENDPOINTS_HOST || undefined,
    serviceConnectProxyHost: env.ECS_SERVICE_CONNECT_PROXY_HOST || undefined,
    credentialsRoute: !isFalse(env.ECS_CREDENTIALS_ROUTE),
    strictValidation: flag('ECS_STRICT_VALIDATION', env.ECS_STRICT_VALIDATION),
    taskOutput: parseTaskOutput(env.ECS_TASK_OUTPUT),
    awslogsPositionIntervalMs: positiveInt(
      'ECS_AWSLOGS_POSITION_INTERVAL_MS',
      env.ECS_AWSLOGS_POSITION_INTERVAL_MS,
      1000,
    ),
  };
}

/** An off-by-default switch: 1/true/yes/on or 0/false/no/off; anything else stops start-up. */
function flag(name: string, value: string | undefined): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || isFalse(text)) return false;
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  throw new EcsConfigError(`${name} must be 1 or 0 (true/false, yes/no, on/off); got '${value}'.`);
}

function parseTaskOutput(value: string | undefined): 'console' | 'off' {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'console') return 'console';
  if (isFalse(text)) return 'off';
  throw new EcsConfigError(`ECS_TASK_OUTPUT must be console or off; got '${value}'.`);
}

function isFalse(value: string | undefined): boolean {
  return value !== undefined && ['0', 'false', 'no', 'off'].includes(value.trim().toLowerCase());
}

function parseCommand(name: string, value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === 'string')) {
    throw new EcsConfigError(`${name} must be a JSON array of strings, e.g. ["sleep","infinity"].`);
  }
  return parsed;
}

function parseListen(value: string | undefined): { host?: string; port: number } | undefined {
  if (value === undefined || value.trim() === '') return { port: 0 };
  const text = value.trim();
  if (isFalse(text)) return undefined;
  const match = /^(?:(.*):)?(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new EcsConfigError(`ECS_TASK_ENDPOINTS_LISTEN must be [host:]port or off, e.g. 0.0.0.0:4590; got '${text}'.`);
  }
  const host = match[1]?.replace(/^\[|\]$/g, '');
  return host ? { host, port } : { port };
}

/** A positive integer setting; a value that is not one stops start-up with an error naming the setting. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new EcsConfigError(`${name} must be a positive integer.`);
  return parsed;
}
