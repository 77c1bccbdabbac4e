import type { ContainerBackend } from '@localcloud/docker-backend';
import type { ProviderContext } from '@localcloud/gateway';
import { localDns, localDnsEnabled } from '@localcloud/local-dns';
import { addressesOn } from './local-addresses';
import { TaskDns } from './task-dns';
import type { TaskEndpointServer } from './task-endpoint-server';

/**
 * The DNS server tasks get: the gateway's shared local DNS (`@localcloud/local-dns`), served on the
 * address the task endpoints bound on the task's network, else on this process's addresses there.
 */
export function createLocalTaskDns(
  context: ProviderContext,
  backend: ContainerBackend,
  endpoints: TaskEndpointServer | undefined,
): TaskDns {
  return new TaskDns({
    enabled: localDnsEnabled(context.env),
    dns: () => localDns(context),
    candidates: async (network) => {
      const bound = endpoints?.addressOn(network);
      const info = await backend.inspectNetwork(network).catch(() => undefined);
      return [...new Set([...(bound ? [bound] : []), ...addressesOn(info?.subnets ?? [])])];
    },
    logger: context.logger,
  });
}
