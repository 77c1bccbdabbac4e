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
 * its table, so gateways with nothing to answer never hold port 53, unless the task `expectsNames`: a
 * Service Connect or Cloud Map task may start before the names it calls are published (services created
 * in parallel), and a container's resolver cannot change once it is created. Tasks keep Docker's default
 * DNS when it cannot be bound (LocalDns logs why, once).
 */
export class TaskDns {
  /** Per network, the DNS servers its tasks get, once served (or being served). */
  private readonly served = new Map<string, Promise<string[] | undefined>>();

  constructor(private readonly options: TaskDnsOptions) {}

  async serversFor(network: string, expectsNames = false): Promise<string[] | undefined> {
    if (!this.options.enabled) return undefined;
    if (!expectsNames && this.options.dns().table.isEmpty()) return undefined;
    let outcome = this.served.get(network);
    if (!outcome) {
      // Only a success is kept: a network that does not exist yet (ECS_DOCKER_NETWORK is created with
      // the first task) is looked at again. LocalDns remembers each address's outcome, so this is cheap.
      outcome = this.serve(network).then((servers) => {
        if (!servers) this.served.delete(network);
        return servers;
      });
      this.served.set(network, outcome);
    }
    return outcome;
  }

  /**
   * Serves `networks` as soon as anything is published (now, or on a later change): tasks re-adopted
   * after a restart were created with this server as their resolver, before any new task is placed.
   * `now`: at once, whatever the table holds (a re-adopted task expects names, so got this server while
   * the table was empty). Returns the function that stops watching.
   */
  watch(networks: readonly string[], now = false): () => void {
    if (!this.options.enabled) return () => undefined;
    const table = this.options.dns().table;
    const kick = () => {
      if (table.isEmpty() && !now) return;
      for (const network of networks) void this.serversFor(network, true);
    };
    const off = table.onChange(kick);
    kick();
    return off;
  }

  private async serve(network: string): Promise<string[] | undefined> {
    const dns = this.options.dns();
    // An address that is not this process's fails to bind quietly; the first that binds is the one.
    for (const address of await this.options.candidates(network)) {
      if (await dns.serveOn(address, this.options.logger)) return [address];
    }
    return undefined;
  }
}
