import type { ContainerBackend } from '@localcloud/docker-backend';
import type { ProviderContext } from '@localcloud/gateway';
import type { StateStore } from '@localcloud/persistence';
import type { Logger } from 'winston';
import type { EcsRuntimeConfig } from '../runtime/runtime-config';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { ECS_TABLES } from '../store/ecs-store';
import { TaskConsole } from './console-output';
import { CredentialsRoute } from './credentials-route';
import { LogPositions, type LogPositionRecord } from './log-positions';
import { isLogsSink } from './logs-sink-guard';
import { TaskAgent } from './task-agent';
import type { TaskDns } from './task-dns';
import type { TaskEndpointServer } from './task-endpoint-server';

export interface TaskAgentParts {
  readonly backend: ContainerBackend;
  readonly logger: Logger;
  readonly config: EcsRuntimeConfig;
  readonly state: StateStore;
  readonly lookupProvider: ProviderContext['lookupProvider'];
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  readonly mutate: (ref: TaskRef, change: (record: TaskRecord) => void) => void;
  readonly endpoints: TaskEndpointServer | undefined;
  readonly taskDns: TaskDns;
  /** Whether a task gets the local DNS even while nothing is published (discovery/task-discovery.ts). */
  readonly expectsNames: (ref: TaskRef) => boolean;
}

/** What runs beside each task's containers: logs, console output, endpoints, credentials route, DNS servers. */
export function createTaskAgent(parts: TaskAgentParts): TaskAgent {
  const { config, logger, endpoints, state } = parts;
  const listen = config.taskEndpoints;
  const route = config.credentialsRoute ? new CredentialsRoute() : undefined;
  if (route && !route.available()) {
    logger.info('169.254.170.2 is not routed for tasks: that needs root, nsenter and iptables');
  }
  // Found when a task starts, not here: providers are created one after another.
  const logsSink = async () => {
    const logs = await parts.lookupProvider('logs');
    return isLogsSink(logs) ? logs : undefined;
  };
  return new TaskAgent({
    backend: parts.backend,
    logger,
    get: parts.get,
    mutate: parts.mutate,
    logsSink,
    endpoint: () => {
      const port = endpoints?.port;
      if (port === undefined || !listen) return undefined;
      return {
        port,
        host: listen.host === undefined || ['0.0.0.0', '::'].includes(listen.host) ? undefined : listen.host,
        advertisedHost: config.taskEndpointsHost,
        addressOn: (network) => endpoints!.addressOn(network),
      };
    },
    reach: (network) => endpoints?.reach(network) ?? Promise.resolve(),
    dnsServers: (network, ref) => parts.taskDns.serversFor(network, parts.expectsNames(ref)),
    credentialsRoute: route?.available() ? route : undefined,
    logPositions: new LogPositions(
      state,
      state.table<LogPositionRecord>(ECS_TABLES.logPositions),
      config.awslogsPositionIntervalMs,
      logger,
      async () => {
        await (await logsSink())?.durable();
      },
    ),
    taskConsole:
      config.taskOutput === 'console'
        ? { console: new TaskConsole(logger), containerPrefix: config.containerPrefix }
        : undefined,
  });
}
