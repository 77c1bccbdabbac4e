/**
 * Names → records, written by providers and read by the DNS server. Generic: no AWS service knowledge.
 *
 * Each writer publishes under an *owner key* of its own (e.g. `servicediscovery/<account>/<region>/<service id>`
 * or `ecs/<cluster arn>/<service>`); a publication replaces everything that owner published before, so a
 * writer never has to diff, and `withdraw(owner)` takes it all back. Several owners may publish the same
 * name: an answer holds each owner's selection, in publication order.
 */

/** How many of a record set's values one answer carries (Cloud Map's `RoutingPolicy`). */
export type RoutingPolicy =
  /** Every value, the order rotated per query. */
  | 'all'
  /** Up to 8 values, the order rotated per query (Cloud Map `MULTIVALUE`, Route 53 multivalue answers). */
  | 'multivalue'
  /** One value at random (Cloud Map `WEIGHTED` with equal weights). */
  | 'one';

/** An SRV record's data: `priority weight port target`. */
export interface SrvTarget {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** A name, usually one published with its own A records (answered as additional records). */
  readonly target: string;
}

/** The records of one name from one owner. Only A and SRV are served; other types answer no data. */
export interface NameRecords {
  readonly a?: { readonly addresses: readonly string[]; readonly ttl: number };
  readonly srv?: { readonly targets: readonly SrvTarget[]; readonly ttl: number };
  /** Default `all`. */
  readonly routing?: RoutingPolicy;
}

/** Everything one owner publishes. Names and zones are case-insensitive, with or without a final dot. */
export interface Publication {
  readonly names?: Readonly<Record<string, NameRecords>>;
  /**
   * Domains this owner answers for (e.g. a Cloud Map namespace `internal.local`): a name at or below one
   * that no owner publishes is NXDOMAIN instead of being forwarded upstream.
   */
  readonly zones?: readonly string[];
}

/** What the table knows of a name. */
export type Lookup =
  /** Published: the record sets of every owner that publishes it. */
  | { readonly kind: 'records'; readonly sets: readonly NameRecords[] }
  /** Not published, but inside a zone someone answers for. */
  | { readonly kind: 'nxdomain'; readonly zone: string }
  /** Not ours: forward it. */
  | { readonly kind: 'unknown' };

export type TableListener = () => void;

/** `Example.COM.` → `example.com`. */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

interface Entry {
  readonly names: ReadonlyMap<string, NameRecords>;
  readonly zones: readonly string[];
}

export class NameTable {
  /** Owner → its publication (a Map keeps publication order for stable answers). */
  private readonly owners = new Map<string, Entry>();
  private readonly listeners = new Set<TableListener>();

  /** Replaces everything `owner` published before with `publication`. */
  publish(owner: string, publication: Publication): void {
    const names = new Map<string, NameRecords>();
    for (const [name, records] of Object.entries(publication.names ?? {})) {
      const key = normalizeName(name);
      if (!key) throw new Error(`Cannot publish an empty name (owner ${owner}).`);
      names.set(key, records);
    }
    const zones = (publication.zones ?? []).map(normalizeName).filter(Boolean);
    this.owners.delete(owner);
    if (names.size > 0 || zones.length > 0) this.owners.set(owner, { names, zones });
    this.changed();
  }

  /** Takes back everything `owner` published (nothing happens for an owner that published nothing). */
  withdraw(owner: string): void {
    if (this.owners.delete(owner)) this.changed();
  }

  /** True while nobody publishes anything. */
  isEmpty(): boolean {
    return this.owners.size === 0;
  }

  /** Owners whose key starts with `prefix`: lets a writer withdraw what it no longer has after a restart. */
  ownersStartingWith(prefix: string): string[] {
    return [...this.owners.keys()].filter((owner) => owner.startsWith(prefix));
  }

  lookup(name: string): Lookup {
    const key = normalizeName(name);
    const sets: NameRecords[] = [];
    let zone: string | undefined;
    for (const entry of this.owners.values()) {
      const records = entry.names.get(key);
      if (records) sets.push(records);
      zone ??= entry.zones.find((z) => key === z || key.endsWith(`.${z}`));
    }
    if (sets.length > 0) return { kind: 'records', sets };
    if (zone !== undefined) return { kind: 'nxdomain', zone };
    return { kind: 'unknown' };
  }

  /** Called after every change (tests wait on it; no DNS caching depends on it). */
  onChange(listener: TableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
