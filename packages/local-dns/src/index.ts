export {
  NameTable,
  normalizeName,
  type NameRecords,
  type Publication,
  type Lookup,
  type RoutingPolicy,
  type SrvTarget,
  type TableListener,
} from './name-table';
export {
  LocalDns,
  localDns,
  sharedNameTable,
  localDnsEnabled,
  LOCAL_DNS_KEY,
  DNS_PORT,
  type LocalDnsOptions,
} from './shared';
export { DnsServer, type DnsServerOptions } from './dns-server';
export { Answerer, type Reply } from './answer';
export { parseResolvConf, hostResolvers, forwardQuery, type Upstream } from './upstream';
