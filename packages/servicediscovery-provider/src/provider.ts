import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProviderContext, RequestContext } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import { ModelledProvider, lazyServiceModel, type AccountRegion } from '@localcloud/aws-model';
import { sharedNameTable } from '@localcloud/local-dns';
import { publishDns, withdrawAllDns } from './dns-publisher';
import { SERVICEDISCOVERY_HANDLERS, type ServiceDiscoveryScope } from './operations';
import { ServiceDiscoveryStore } from './store';

/** The API model generated from @aws-sdk/client-servicediscovery (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SERVICEDISCOVERY_MODEL = lazyServiceModel(() => require('./generated/servicediscovery-model.json'));

/** ServiceDiscovery as a localcloud provider plugin; its names are served by the local DNS. */
export class ServiceDiscoveryProvider extends ModelledProvider<ServiceDiscoveryStore, ServiceDiscoveryScope> {
  constructor(context: ProviderContext) {
    super(context, {
      service: { name: 'servicediscovery', targetPrefix: 'Route53AutoNaming_v20170314', protocol: 'json1.1' },
      model: SERVICEDISCOVERY_MODEL,
      handlers: SERVICEDISCOVERY_HANDLERS,
    });
  }

  protected openStore(dir: string | undefined): ServiceDiscoveryStore {
    return new ServiceDiscoveryStore(openStateStore({ dir }));
  }

  protected scopeFor(where: AccountRegion): ServiceDiscoveryScope {
    const scope = { accountId: where.accountId, region: where.region };
    return { scope, store: this.stores.get(scope.accountId, scope.region) };
  }

  override async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    try {
      return await super.handle(operation, input, request);
    } finally {
      // Every change (instances, health, DnsConfig, namespaces) reaches DNS before its response does.
      if (!READ_ONLY.test(operation)) {
        publishDns(this.names(), request.accountId, request.region, this.stores.get(request.accountId, request.region));
      }
    }
  }

  /** With persistence, the names of every account and region kept from the last run are served again. */
  async start(): Promise<void> {
    const { enabled, dataDir } = this.context.persistence;
    if (!enabled) return;
    const root = path.join(dataDir, 'servicediscovery');
    for (const accountId of subdirectories(root)) {
      for (const region of subdirectories(path.join(root, accountId))) {
        publishDns(this.names(), accountId, region, this.stores.get(accountId, region));
      }
    }
  }

  override async stop(): Promise<void> {
    withdrawAllDns(this.names());
    await super.stop();
  }

  /** The local DNS's name table, shared with the other providers of this gateway. */
  private names() {
    return sharedNameTable(this.context);
  }
}

/** Operations that change nothing, so DNS needs no update after them. */
const READ_ONLY = /^(Get|List|Discover)/;

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}
