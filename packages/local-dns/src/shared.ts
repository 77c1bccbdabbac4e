import type { ProviderContext } from '@localcloud/gateway';
import { NameTable } from './name-table';

/** The key of the gateway's shared local DNS (`ProviderContext.sharedService`). */
export const LOCAL_DNS_KEY = '@localcloud/local-dns';

/**
 * The gateway's one local DNS: its name table (written by providers) and, from slice 2 on, the server that
 * answers from it. Shared by every provider of a gateway.
 */
export class LocalDns {
  readonly table = new NameTable();
}

/** The local DNS of the provider's gateway, created on first use. */
export function localDns(context: Pick<ProviderContext, 'sharedService'>): LocalDns {
  return context.sharedService(LOCAL_DNS_KEY, () => new LocalDns());
}

/** The name table of the provider's gateway: what a provider publishes names into. */
export function sharedNameTable(context: Pick<ProviderContext, 'sharedService'>): NameTable {
  return localDns(context).table;
}
