import type { ProviderContext } from '@localcloud/gateway';
import { Answerer } from './answer';
import { DnsServer } from './dns-server';
import { NameTable } from './name-table';
import { hostResolvers, type Upstream } from './upstream';

type Logger = ProviderContext['logger'];

/** The key of the gateway's shared local DNS (`ProviderContext.sharedService`). */
export const LOCAL_DNS_KEY = '@localcloud/local-dns';

/** DNS's port: the only one a container's resolver (`HostConfig.Dns`) can be given. */
export const DNS_PORT = 53;

export interface LocalDnsOptions {
  /** Default 53; tests use 0 (any free port). */
  readonly port?: number;
  /** Default: the `nameserver`s of /etc/resolv.conf, read at each forwarded query. */
  readonly upstreams?: () => readonly Upstream[];
  readonly forwardTimeoutMs?: number;
}

/**
 * The gateway's one local DNS: the name table providers write, and the server answering from it on the
 * addresses tasks reach (`serveOn`). Shared by every provider of a gateway; stopped with the gateway.
 */
export class LocalDns {
  readonly table = new NameTable();
  private readonly server: DnsServer;
  private readonly port: number;
  private boundPort?: number;
  /** One bind at a time, so two tasks placed at once bind an address once. */
  private binding: Promise<unknown> = Promise.resolve();
  private warned = false;

  constructor(options: LocalDnsOptions = {}) {
    this.port = options.port ?? DNS_PORT;
    const upstreams = options.upstreams ?? (() => hostResolvers().map((host): Upstream => ({ host, port: DNS_PORT })));
    this.server = new DnsServer({
      answerer: new Answerer(this.table),
      // Never forward to ourselves (a host whose resolv.conf names a Docker bridge address we serve).
      upstreams: () => upstreams().filter((u) => !(this.server.isListening(u.host) && u.port === this.boundPort)),
      forwardTimeoutMs: options.forwardTimeoutMs,
    });
  }

  /**
   * Serves DNS on `address` (once; later calls return the first outcome's). False when it cannot bind,
   * e.g. port 53 without root or CAP_NET_BIND_SERVICE: then one warning is logged, saying how to enable it,
   * and callers leave their containers on Docker's default DNS.
   */
  serveOn(address: string, logger: Logger): Promise<boolean> {
    const next = this.binding.then(() => this.bind(address, logger));
    this.binding = next.catch(() => undefined);
    return next;
  }

  /** The port served on (53 unless the options said otherwise), once an address is bound. */
  get servedPort(): number | undefined {
    return this.boundPort;
  }

  addresses(): string[] {
    return this.server.addresses();
  }

  async stop(): Promise<void> {
    await this.binding;
    await this.server.close();
  }

  private readonly outcomes = new Map<string, boolean>();

  private async bind(address: string, logger: Logger): Promise<boolean> {
    const known = this.outcomes.get(address);
    if (known !== undefined) return known;
    try {
      this.boundPort = await this.server.listen(address, this.boundPort ?? this.port);
      this.outcomes.set(address, true);
      logger.debug('local DNS listening', { address, port: this.boundPort });
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Not this host's address (the gateway in a container seeing the bridge's gateway): quietly skipped.
      if (code !== 'EADDRNOTAVAIL' && !this.warned) {
        this.warned = true;
        logger.warn(
          code === 'EACCES'
            ? `local DNS: cannot listen on ${address}:${this.port} (binding port ${this.port} needs root or CAP_NET_BIND_SERVICE); ` +
                'tasks keep Docker’s default DNS and Cloud Map names do not resolve in them. Run the gateway as root, ' +
                'or `sudo setcap cap_net_bind_service=+ep $(command -v node)`, or use the docker-compose dev stack; ' +
                'LOCALCLOUD_DNS=0 silences this.'
            : `local DNS: cannot listen on ${address}:${this.port} (${code ?? String(error)}); tasks keep Docker’s ` +
                'default DNS and Cloud Map names do not resolve in them. LOCALCLOUD_DNS=0 silences this.',
          { address, error: String(error) },
        );
      }
      this.outcomes.set(address, false);
      return false;
    }
  }
}

/** The local DNS of the provider's gateway, created on first use. */
export function localDns(context: Pick<ProviderContext, 'sharedService'>): LocalDns {
  return context.sharedService(LOCAL_DNS_KEY, () => new LocalDns());
}

/** The name table of the provider's gateway: what a provider publishes names into. */
export function sharedNameTable(context: Pick<ProviderContext, 'sharedService'>): NameTable {
  return localDns(context).table;
}

/** `LOCALCLOUD_DNS`: on unless `0`, `false`, `off` or `no` (docs/configuration.md). */
export function localDnsEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = (env.LOCALCLOUD_DNS ?? '').trim().toLowerCase();
  return !['0', 'false', 'off', 'no'].includes(value);
}
