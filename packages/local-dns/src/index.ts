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
export { LocalDns, localDns, sharedNameTable, LOCAL_DNS_KEY } from './shared';
