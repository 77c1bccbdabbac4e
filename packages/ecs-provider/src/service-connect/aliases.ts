import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { instancesOf, shouldBeRegistered } from '../discovery/registration';
import type { TaskRecord } from '../runtime/task-record';
import type { ServiceRecord } from '../store/records';
import type { Endpoint, ProxySpec } from './alias-proxy';
import { discoveryNameOf, namedPortOf } from './configuration';

/** A Service Connect service with what the data path needs of it. */
export interface ServerService {
  readonly record: ServiceRecord;
  readonly clusterName: string;
  /** Its running and pending tasks. */
  readonly tasks: readonly TaskRecord[];
  /** A task definition by ARN. */
  readonly definitionOf: (taskDefinitionArn: string | undefined) => TaskDefinition | undefined;
}

/** What the client aliases of one account and region come to: DNS names and the proxies behind some. */
export interface AliasPlan {
  /** dnsName → the addresses it resolves to. */
  readonly names: Map<string, string[]>;
  readonly proxies: ProxySpec[];
  /** Aliases left out because another service already has their proxy port and they are not all HTTP. */
  readonly conflicts: string[];
}

/**
 * The data path of Service Connect client aliases (docs/ecs-provider.md, "Service Connect"):
 * - an alias whose port is the server's container port, on awsvpc tasks, resolves straight to the live
 *   tasks' addresses (DNS round robin; only RUNNING and healthy tasks, as Cloud Map registers them);
 * - any other alias resolves to `proxyHost`, where a TCP proxy on the alias port forwards round robin to
 *   the tasks' endpoints (`taskIP:containerPort`, or a bridge task's published port). Aliases of several
 *   services on one port share it when all their server port mappings have an `appProtocol` (http,
 *   http2 or grpc; routed by Host header or `:authority`); otherwise the first service keeps the port and the others are `conflicts`.
 * Without a `proxyHost` (task endpoints off) those aliases are left out, not answered wrongly.
 */
export function planAliases(services: readonly ServerService[], proxyHost: string | undefined): AliasPlan {
  const names = new Map<string, string[]>();
  const proxies = new Map<
    string,
    {
      host: string;
      port: number;
      targets: Endpoint[];
      http: boolean;
      owners: Set<string>;
      routes: Map<string, Endpoint[]>;
    }
  >();
  const add = (name: string, addresses: readonly string[]) => {
    const list = names.get(name) ?? [];
    for (const address of addresses) if (!list.includes(address)) list.push(address);
    names.set(name, list);
  };
  const conflicts: string[] = [];
  for (const service of services) {
    const config = service.record.serviceConnectConfiguration;
    if (!config?.enabled) continue;
    const namespaceName = service.record.serviceConnectNamespaceName;
    const current = service.definitionOf(service.record.taskDefinition);
    for (const entry of config.services ?? []) {
      const discoveryName = discoveryNameOf(entry);
      const registryArn = service.record.serviceConnectResources?.find(
        (r) => r.discoveryName === discoveryName,
      )?.discoveryArn;
      const named = current && namedPortOf(current, entry.portName!);
      if (!registryArn || !named) continue;
      const endpoints: Endpoint[] = [];
      for (const task of service.tasks.filter(shouldBeRegistered)) {
        const port = namedPortOf(service.definitionOf(task.taskDefinitionArn) ?? {}, entry.portName!);
        if (!port?.mapping.containerPort) continue;
        const registry = { registryArn, containerName: port.containerName, containerPort: port.mapping.containerPort };
        const [instance] = instancesOf(task, [registry], {
          serviceName: service.record.serviceName!,
          clusterName: service.clusterName,
        }).instances;
        const host = instance?.attributes.AWS_INSTANCE_IPV4;
        const hostPort = Number(instance?.attributes.AWS_INSTANCE_PORT);
        if (host && hostPort) endpoints.push({ host, port: hostPort });
      }
      for (const alias of entry.clientAliases ?? []) {
        const dnsName = alias.dnsName ?? (namespaceName ? `${discoveryName}.${namespaceName}` : discoveryName);
        // Decided by the service's task definition, not by which tasks run now, so a name never flips.
        if (current.networkMode === 'awsvpc' && named.mapping.containerPort === alias.port) {
          add(
            dnsName,
            endpoints.map((e) => e.host),
          );
          continue;
        }
        if (!proxyHost) continue;
        const id = `${proxyHost}:${alias.port}`;
        const owner = `${service.record.serviceArn}/${discoveryName}`;
        // No appProtocol is TCP, as in ECS; grpc is HTTP/2.
        const isHttp = ['http', 'http2', 'grpc'].includes(named.mapping.appProtocol ?? '');
        const proxy = proxies.get(id) ?? {
          host: proxyHost,
          port: alias.port!,
          targets: [],
          http: isHttp,
          owners: new Set<string>(),
          routes: new Map<string, Endpoint[]>(),
        };
        // One owner per port, unless every alias on it is HTTP: those share it, routed by Host header.
        if (proxy.owners.size > 0 && !proxy.owners.has(owner) && !(proxy.http && isHttp)) {
          conflicts.push(`${dnsName}:${alias.port}`);
          continue;
        }
        proxy.owners.add(owner);
        proxy.http &&= isHttp;
        add(dnsName, [proxyHost]);
        const route = proxy.routes.get(dnsName.toLowerCase()) ?? [];
        for (const e of endpoints) {
          if (!proxy.targets.some((t) => t.host === e.host && t.port === e.port)) proxy.targets.push(e);
          if (!route.some((t) => t.host === e.host && t.port === e.port)) route.push(e);
        }
        proxy.routes.set(dnsName.toLowerCase(), route);
        proxies.set(id, proxy);
      }
    }
  }
  const specs = [...proxies.values()].map(({ host, port, targets, owners, routes }) =>
    // A port of one owner stays plain TCP: anything it carries, whatever name the client used.
    owners.size > 1 ? { host, port, targets, routes } : { host, port, targets },
  );
  return { names, proxies: specs, conflicts };
}
