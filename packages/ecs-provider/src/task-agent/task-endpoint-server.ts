import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerBackend, ContainerInfo } from '@localcloud/docker-backend';
import type { Logger } from 'winston';
import type { TaskRecord } from '../runtime/task-record';
import { addressesOn, type AddressRange } from './local-addresses';
import { containerDocument, taskDocument, type ContainerFacts } from './metadata-documents';

export interface TaskEndpointServerOptions {
  readonly backend: ContainerBackend;
  readonly logger: Logger;
  /** The tasks whose endpoints are served (every task not yet STOPPED). */
  readonly tasks: () => readonly TaskRecord[];
  /** Where other requests go (the gateway), once it listens. */
  readonly upstream: () => { host: string; port: number } | undefined;
  /** How long credentials stay valid. */
  readonly credentialsTtlMs?: number;
  /** The agent API at `/api/<token>/…` (`ECS_AGENT_URI`): `path` after the token, the token's task if any. */
  readonly agentApi?: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    task: TaskRecord | undefined,
  ) => Promise<void>;
}

/**
 * The ECS agent's endpoints for task containers, on a listener the provider owns (not the gateway's):
 * task metadata v4 (`/v4/<token>`, `/task`, `/stats`, `/task/stats`), task role credentials
 * (`/v2/credentials/<id>`), and everything else proxied to the gateway, so `AWS_ENDPOINT_URL` works from
 * containers even when the gateway listens on loopback only. Tokens are random per container and task.
 *
 * Bound either where `ECS_TASK_ENDPOINTS_LISTEN` says (`listen`) or, by default, only where tasks reach
 * it (`listenForTasks`): loopback plus this host's addresses on the Docker networks tasks use, one
 * socket per address on one port, since the proxy must not open the gateway to other machines.
 */
export class TaskEndpointServer {
  private readonly servers = new Map<string, http.Server>();
  /** Addresses bound for each Docker network by id (a network recreated under its name is new). */
  private readonly networkIds = new Map<string, readonly string[]>();
  /** The same by network name, for `addressOn`. */
  private readonly networks = new Map<string, readonly string[]>();
  private boundPort?: number;
  /** Only where the settings said: networks add nothing. */
  private fixed = false;
  /** One network lookup at a time, so two tasks placed at once bind an address once. */
  private reaching: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TaskEndpointServerOptions) {}

  /** Exactly `host:port` (`ECS_TASK_ENDPOINTS_LISTEN`). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    this.fixed = true;
    return this.bind(host, port);
  }

  /** Loopback, then this host's addresses on each of `networks` (those that exist), on one port. */
  async listenForTasks(port: number, networks: readonly string[]): Promise<AddressInfo> {
    const address = await this.bind('127.0.0.1', port);
    for (const network of networks) await this.reach(network);
    return address;
  }

  /**
   * Makes the listener reachable from containers on `network` (a task is about to join it, maybe
   * created since start) by binding this host's addresses on it. Failures are logged, not thrown: the
   * task still runs, without its endpoints.
   */
  reach(network: string): Promise<void> {
    if (this.fixed || this.boundPort === undefined) return Promise.resolve();
    const next = this.reaching.then(() => this.bindNetwork(network));
    this.reaching = next.catch(() => undefined);
    return next;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** Every address listened on. */
  addresses(): string[] {
    return [...this.servers.keys()];
  }

  /** The address containers on `network` reach the listener at, when it is bound there. */
  addressOn(network: string): string | undefined {
    return this.networks.get(network)?.[0];
  }

  async close(): Promise<void> {
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private async bindNetwork(network: string): Promise<void> {
    // Docker's default bridge cannot be removed or recreated: once bound, spare every task an inspect.
    if (network === 'bridge' && this.networks.has(network)) return;
    let ranges: readonly AddressRange[];
    let id: string;
    try {
      const info = await this.options.backend.inspectNetwork(network);
      // Not there yet: looked at again when a task is placed on it.
      if (!info) return;
      const known = this.networkIds.get(info.id);
      if (known) {
        this.networks.set(network, known);
        return;
      }
      ranges = info.subnets;
      id = info.id;
    } catch (error) {
      this.options.logger.debug('task endpoints: cannot inspect a Docker network', { network, error: String(error) });
      return;
    }
    const bound: string[] = [];
    for (const address of addressesOn(ranges)) {
      try {
        if (!this.servers.has(address)) await this.bind(address, this.boundPort!);
        bound.push(address);
      } catch (error) {
        // Not an address of this host (a gateway seen from inside a container): nothing to do.
        if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
        this.options.logger.warn('task endpoints: cannot listen on a Docker network address', {
          network,
          address,
          error: String(error),
        });
      }
    }
    this.networkIds.set(id, bound);
    this.networks.set(network, bound);
    if (bound.length === 0) {
      this.options.logger.warn(
        'task endpoints: no address of this host is on a task network, so its tasks cannot reach the ' +
          'metadata and credentials endpoints; set ECS_TASK_ENDPOINTS_LISTEN to an address they reach',
        { network, subnets: ranges.map((range) => range.subnet) },
      );
    }
  }

  private async bind(host: string, port: number): Promise<AddressInfo> {
    const server = http.createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.options.logger.warn('task endpoint request failed', { url: req.url, error: String(error) });
        if (!res.headersSent) json(res, 500, { message: 'internal error' });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    this.servers.set(host, server);
    this.boundPort ??= address.port;
    return address;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    const metadata = /^\/v4\/([A-Za-z0-9_-]+)(\/task)?(\/stats)?\/?$/.exec(url.pathname);
    if (metadata && req.method === 'GET') return this.metadata(res, metadata[1]!, !!metadata[2], !!metadata[3]);
    const credentials = /^\/v2\/credentials\/([A-Za-z0-9-]+)\/?$/.exec(url.pathname);
    if (credentials && req.method === 'GET') return this.credentials(res, credentials[1]!);
    const agentApi = /^\/api\/([A-Za-z0-9_-]+)(\/.*)?$/.exec(url.pathname);
    if (agentApi && this.options.agentApi) {
      return this.options.agentApi(req, res, agentApi[2] ?? '/', this.findByToken(agentApi[1]!)?.record);
    }
    if (url.pathname.startsWith('/v4/') || url.pathname.startsWith('/v2/credentials')) {
      return json(res, 404, { message: 'not found' });
    }
    return this.proxy(req, res);
  }

  private async metadata(res: http.ServerResponse, token: string, task: boolean, stats: boolean): Promise<void> {
    const found = this.findByToken(token);
    if (!found) return json(res, 404, { message: `no container for this metadata URI` });
    const { record, containerName } = found;
    const names = task ? (record.containers ?? []).map((c) => c.name!) : [containerName];
    const runtimeIds = new Map(record.runtime?.containers.map((c) => [c.name, c.runtimeId]));
    if (stats) {
      const entries = await Promise.all(
        names.map(async (name) => {
          const id = runtimeIds.get(name);
          return [id, id ? await this.options.backend.stats(id).catch(() => null) : null] as const;
        }),
      );
      const present = entries.filter((e): e is readonly [string, Record<string, unknown> | null] => !!e[0]);
      return json(res, 200, task ? Object.fromEntries(present) : (present[0]?.[1] ?? {}));
    }
    const facts = await Promise.all(names.map((name) => this.facts(record, name, runtimeIds.get(name))));
    return json(res, 200, task ? taskDocument(record, facts) : containerDocument(record, facts[0]!));
  }

  private async facts(record: TaskRecord, name: string, runtimeId: string | undefined): Promise<ContainerFacts> {
    const agent = record.runtime?.agent;
    const log = agent?.logConfigurations[name];
    let info: ContainerInfo | undefined;
    if (runtimeId) info = await this.options.backend.inspectContainer(runtimeId).catch(() => undefined);
    // Containers sharing the network holder's namespace report the holder's network.
    const holderId = record.runtime?.networkHolder?.runtimeId;
    if (info && holderId && info.networks.length === 0) {
      const holder = await this.options.backend.inspectContainer(holderId).catch(() => undefined);
      if (holder) info = { ...info, networks: holder.networks };
    }
    return {
      name,
      info,
      logDriver: log?.driver,
      logOptions: log?.options,
      networkMode: agent?.networkMode ?? 'bridge',
    };
  }

  private credentials(res: http.ServerResponse, id: string): void {
    const record = this.options.tasks().find((r) => r.runtime?.agent?.credentialsId === id);
    const roleArn = record?.runtime?.agent?.taskRoleArn;
    if (!record || !roleArn) return json(res, 404, { code: 'NotFound', message: 'no credentials for this id' });
    const ttl = this.options.credentialsTtlMs ?? 6 * 3600_000;
    // The access key id is the task's account id: the gateway maps a 12-digit key id to that account.
    return json(res, 200, {
      AccessKeyId: record.accountId,
      SecretAccessKey: 'localcloud',
      Token: `localcloud-task-${id}`,
      Expiration: new Date(Date.now() + ttl).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      RoleArn: roleArn,
    });
  }

  private findByToken(token: string): { record: TaskRecord; containerName: string } | undefined {
    for (const record of this.options.tasks()) {
      const tokens = record.runtime?.agent?.metadataTokens;
      if (!tokens) continue;
      for (const [containerName, candidate] of Object.entries(tokens)) {
        if (candidate === token) return { record, containerName };
      }
    }
    return undefined;
  }

  private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = this.options.upstream();
    if (!upstream) return json(res, 503, { message: 'the gateway is not listening yet' });
    const forward = http.request(
      { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => {
      if (!res.headersSent) json(res, 502, { message: `gateway unreachable: ${error.message}` });
      else res.destroy();
    });
    req.pipe(forward);
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
