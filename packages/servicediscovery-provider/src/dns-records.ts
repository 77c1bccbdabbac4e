import type { NameRecords, Publication, SrvTarget } from '@localcloud/local-dns';
import { healthOf } from './handlers/instances';
import type { InstanceRecord, ServiceDiscoveryStore, ServiceRecord } from './store';

/**
 * The DNS records Cloud Map keeps in Route 53 for one account and region, as publications for the local
 * DNS's name table: one per DNS namespace (its zone: unknown names below it are NXDOMAIN) and one per
 * service with `DnsConfig` (its records), keyed by a suffix the publisher prefixes with the scope.
 */
export function dnsPublications(store: ServiceDiscoveryStore): Map<string, Publication> {
  const publications = new Map<string, Publication>();
  const namespaces = new Map([...store.namespaces.values()].map((ns) => [ns.Id, ns]));
  for (const ns of namespaces.values()) {
    if (ns.Type === 'HTTP') continue;
    publications.set(`ns/${ns.Id}`, { zones: [ns.Name] });
  }
  for (const service of store.services.values()) {
    const ns = namespaces.get(service.NamespaceId);
    if (!ns || ns.Type === 'HTTP' || !service.DnsConfig?.DnsRecords?.length) continue;
    const names = serviceNames(service, `${service.Name}.${ns.Name}`, store.instancesOf(service.Id));
    if (Object.keys(names).length > 0) publications.set(`srv/${service.Id}`, { names });
  }
  return publications;
}

/**
 * Route 53 answers from the healthy instances, or from all of them when none is healthy (Cloud Map's
 * documented fail-open). A: each instance's AWS_INSTANCE_IPV4. SRV: `1 1 <AWS_INSTANCE_PORT>
 * <instance id>.<service>.<namespace>`, that target name with its own A record, as Cloud Map creates.
 */
function serviceNames(
  service: ServiceRecord,
  name: string,
  instances: readonly InstanceRecord[],
): Record<string, NameRecords> {
  const healthy = instances.filter((i) => healthOf(service, i) !== 'UNHEALTHY');
  const answering = healthy.length > 0 ? healthy : instances;
  const withAddress = answering.filter((i) => i.Attributes.AWS_INSTANCE_IPV4);
  if (withAddress.length === 0) return {};
  const ttlOf = (type: string) => service.DnsConfig!.DnsRecords!.find((r) => r.Type === type)?.TTL;
  const aTtl = ttlOf('A');
  const srvTtl = ttlOf('SRV');
  const routing = service.DnsConfig!.RoutingPolicy === 'WEIGHTED' ? 'one' : 'multivalue';
  const names: Record<string, NameRecords> = {};
  const targets: SrvTarget[] = [];
  if (srvTtl !== undefined) {
    for (const instance of withAddress) {
      const port = Number(instance.Attributes.AWS_INSTANCE_PORT);
      if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
      const target = `${instance.Id}.${name}`;
      targets.push({ priority: 1, weight: 1, port, target });
      names[target] = { a: { addresses: [instance.Attributes.AWS_INSTANCE_IPV4!], ttl: aTtl ?? srvTtl } };
    }
  }
  names[name] = {
    ...(aTtl !== undefined
      ? { a: { addresses: withAddress.map((i) => i.Attributes.AWS_INSTANCE_IPV4!), ttl: aTtl } }
      : {}),
    ...(targets.length > 0 ? { srv: { targets, ttl: srvTtl! } } : {}),
    routing,
  };
  return names;
}
