import type { Logger } from 'winston';
import type { Scope } from '../arn';
import { AliasProxies, type ProxySpec } from './alias-proxy';
import { planAliases, type ServerService } from './aliases';

/** The part of the local DNS name table this needs (`@localcloud/local-dns`'s `NameTable`). */
export interface AliasNameTable {
  publish(
    owner: string,
    publication: { names?: Record<string, { a?: { addresses: readonly string[]; ttl: number } }> },
  ): void;
  withdraw(owner: string): void;
}

export interface AliasPublisherOptions {
  /** The Service Connect services of an account and region, with their tasks. */
  readonly servicesOf: (scope: Scope) => ServerService[];
  /** The address task containers reach this host at (where alias proxies listen); undefined: none. */
  readonly proxyHost: () => string | undefined;
  /** The gateway's name table; undefined when no local DNS is there to answer from it. */
  readonly table: () => AliasNameTable | undefined;
  /**
   * Makes sure the DNS server answers where task containers look (after a restart, tasks already
   * running point at it, but nothing binds it until a new task starts).
   */
  readonly ensureServed?: () => Promise<unknown>;
  readonly logger: Logger;
}

/** Short: clients ask again soon after a task comes or goes. */
const TTL_SECONDS = 5;

/**
 * Keeps the client aliases of Service Connect answered: after any change to a task or service of an
 * account and region, the whole set of that scope's aliases is planned again (aliases.ts), published into
 * the local DNS name table under one owner per scope (a publication replaces the last one), and the alias
 * proxies are brought in line. Changes are coalesced: one plan per scope per turn of the event loop.
 */
export class AliasPublisher {
  private readonly proxies: AliasProxies;
  private readonly pending = new Map<string, Scope>();
  private readonly proxiesByScope = new Map<string, ProxySpec[]>();
  private readonly published = new Set<string>();
  private scheduled?: NodeJS.Immediate;
  private closed = false;

  constructor(private readonly options: AliasPublisherOptions) {
    this.proxies = new AliasProxies(options.logger);
  }

  changed(scope: Scope): void {
    if (this.closed) return;
    this.pending.set(ownerOf(scope), { accountId: scope.accountId, region: scope.region });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Plans every pending scope now (tests; the scheduled flush does the same). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const scopes = [...this.pending.entries()];
    this.pending.clear();
    for (const [owner, scope] of scopes) {
      try {
        this.apply(owner, scope);
      } catch (error) {
        this.options.logger.warn('Service Connect: client aliases not updated', { owner, error: String(error) });
      }
    }
    this.proxies.sync([...this.proxiesByScope.values()].flat());
    if (this.published.size > 0 && this.options.ensureServed) {
      this.options.ensureServed().catch((error: unknown) => {
        this.options.logger.warn('Service Connect: local DNS not served', { error: String(error) });
      });
    }
  }

  /** The alias proxies' listening addresses. */
  proxyAddresses(): string[] {
    return this.proxies.addresses();
  }

  /** Withdraws every name this published and closes the proxies. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    const table = this.options.table();
    for (const owner of this.published) table?.withdraw(owner);
    this.published.clear();
    await this.proxies.close();
  }

  private apply(owner: string, scope: Scope): void {
    const plan = planAliases(this.options.servicesOf(scope), this.options.proxyHost());
    for (const alias of plan.conflicts) {
      this.options.logger.warn(
        'Service Connect: a client alias port is already taken by another service (only aliases with an appProtocol share one)',
        { alias },
      );
    }
    const table = this.options.table();
    if (plan.names.size === 0) {
      table?.withdraw(owner);
      this.published.delete(owner);
    } else if (table) {
      const names: Record<string, { a: { addresses: string[]; ttl: number } }> = {};
      for (const [name, addresses] of plan.names) names[name] = { a: { addresses, ttl: TTL_SECONDS } };
      table.publish(owner, { names });
      this.published.add(owner);
    }
    if (plan.proxies.length > 0) this.proxiesByScope.set(owner, plan.proxies);
    else this.proxiesByScope.delete(owner);
  }
}

function ownerOf(scope: Scope): string {
  return `ecs/service-connect/${scope.accountId}/${scope.region}`;
}
