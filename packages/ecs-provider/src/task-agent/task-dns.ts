import type { LocalDns } from '@localcloud/local-dns';
import type { Logger } from 'winston';

export interface TaskDnsOptions {
  /** `LOCALCLOUD_DNS` (on unless 0). */
  readonly enabled: boolean;
  /** The gateway's shared local DNS (found when a task starts: providers are created one after another). */
  readonly dns: () => LocalDns;
  /**
   * Where this process may be reachable on a Docker network, best first: the address the task endpoints
   * bound there, then the network's gateway and this host's (or container's) own addresses on it.
   */
  readonly candidates: (network: string) => Promise<readonly string[]>;
  readonly logger: Logger;
}

/**
 * Which DNS server a task's containers get: the local DNS (Cloud Map names, Service Connect aliases, the
 * rest forwarded) on this process's address on the task's network. Only once something is published in
 * its table, so gateways with nothing to answer never hold port 53, and tasks keep Docker's default DNS
 * when it cannot be bound (LocalDns logs why, once).
 */
export class TaskDns {
  constructor(private readonly options: TaskDnsOptions) {}

  async serversFor(network: string): Promise<string[] | undefined> {
    if (!this.options.enabled) return undefined;
    const dns = this.options.dns();
    if (dns.table.isEmpty()) return undefined;
    // An address that is not this process's fails to bind quietly; the first that binds is the one.
    for (const address of await this.options.candidates(network)) {
      if (await dns.serveOn(address, this.options.logger)) return [address];
    }
    return undefined;
  }
}
