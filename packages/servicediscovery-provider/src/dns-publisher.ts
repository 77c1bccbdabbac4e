import type { NameTable } from '@localcloud/local-dns';
import { dnsPublications } from './dns-records';
import type { ServiceDiscoveryStore } from './store';

/** Owner keys in the local DNS's name table: `servicediscovery/<account>/<region>/<ns|srv>/<id>`. */
const OWNER_PREFIX = 'servicediscovery/';

/**
 * Keeps the local DNS's name table equal to Cloud Map's DNS records of one account and region: after any
 * change, every publication of the scope is published again and the ones gone are withdrawn, so DNS and
 * DiscoverInstances answer from the same state (a few dozen records: no diffing needed).
 */
export function publishDns(table: NameTable, accountId: string, region: string, store: ServiceDiscoveryStore): void {
  const prefix = `${OWNER_PREFIX}${accountId}/${region}/`;
  const publications = dnsPublications(store);
  for (const [suffix, publication] of publications) table.publish(prefix + suffix, publication);
  for (const owner of table.ownersStartingWith(prefix)) {
    if (!publications.has(owner.slice(prefix.length))) table.withdraw(owner);
  }
}

/** Takes back everything this provider published (it stops). */
export function withdrawAllDns(table: NameTable): void {
  for (const owner of table.ownersStartingWith(OWNER_PREFIX)) table.withdraw(owner);
}
