import type { ContainerBackend } from '@localcloud/docker-backend';
import type { GatewayInfo } from '@localcloud/gateway';
import type { Logger } from 'winston';
import type { EcsRuntimeConfig } from '../runtime/runtime-config';
import type { TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import { TaskEndpointServer } from './task-endpoint-server';
import { TaskProtectionEndpoint } from './task-protection-endpoint';

export interface TaskEndpointsOptions {
  readonly backend: ContainerBackend;
  readonly logger: Logger;
  /** The tasks not yet stopped: who may call. */
  readonly tasks: () => readonly TaskRecord[];
  readonly mutate: TaskRuntime['mutate'];
  /** The gateway once started, where the endpoint forwards AWS API calls of tasks. */
  readonly gateway: () => GatewayInfo | undefined;
}

/** The listener task containers reach for metadata, credentials and the gateway (docs/ecs-provider.md). */
export function createTaskEndpoints(options: TaskEndpointsOptions): TaskEndpointServer {
  const protection = new TaskProtectionEndpoint({ mutate: options.mutate });
  return new TaskEndpointServer({
    agentApi: (req, res, path, task) => protection.handle(req, res, path, task),
    backend: options.backend,
    logger: options.logger,
    tasks: options.tasks,
    upstream: () => {
      const gateway = options.gateway();
      return (
        gateway && {
          host: ['0.0.0.0', '::', ''].includes(gateway.host) ? '127.0.0.1' : gateway.host,
          port: gateway.port,
        }
      );
    },
  });
}

/**
 * Listens where `ECS_TASK_ENDPOINTS_LISTEN` says; by default loopback and the networks tasks join (more as
 * they appear). Answers the port, or undefined when the endpoints are off.
 */
export async function listenForTasks(
  endpoints: TaskEndpointServer | undefined,
  config: EcsRuntimeConfig,
  logger: Logger,
): Promise<number | undefined> {
  const listen = config.taskEndpoints;
  if (!listen || !endpoints) return undefined;
  if (listen.host !== undefined) return (await endpoints.listen(listen.host, listen.port)).port;
  // `bridge` too when tasks use another network: host.docker.internal (host-gateway) is its gateway.
  const networks = ['bridge', ...(config.dockerNetwork ? [config.dockerNetwork] : [])];
  const address = await endpoints.listenForTasks(listen.port, networks);
  logger.debug('task endpoints listening', { addresses: endpoints.addresses() });
  return address.port;
}

/** The gateway's URL as task containers see it: through the endpoints' listener, which works when the gateway is on loopback. */
export function gatewayUrlForTasks(
  config: EcsRuntimeConfig,
  endpointsPort: number | undefined,
  gateway: GatewayInfo,
): string {
  const host = endpointsPort ? (config.taskEndpointsHost ?? 'host.docker.internal') : 'host.docker.internal';
  return config.taskEndpointUrl ?? `http://${host}:${endpointsPort ?? gateway.port}`;
}
