import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  AccountRegionStores,
  OperationTable,
  type ProviderContext,
  type ProviderHealth,
  type RequestContext,
  type ServiceProvider,
} from '@localcloud/gateway';
import { answerWhenDurable, openStateStore } from '@localcloud/persistence';
import { ModelValidator, redactSensitive, lazyServiceModel, onFirstUse } from '@localcloud/aws-model';
import { sharedNameTable } from '@localcloud/local-dns';
import { publishDns, withdrawAllDns } from './dns-publisher';
import { SERVICEDISCOVERY_HANDLERS, type ServiceDiscoveryScope } from './operations';
import { ServiceDiscoveryStore } from './store';

/** The API model generated from @aws-sdk/client-servicediscovery (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SERVICEDISCOVERY_MODEL = lazyServiceModel(() => require('./generated/servicediscovery-model.json'));

/** ServiceDiscovery as a localcloud provider plugin. */
export class ServiceDiscoveryProvider implements ServiceProvider {
  readonly service = {
    name: 'servicediscovery',
    targetPrefix: 'Route53AutoNaming_v20170314',
    protocol: 'json1.1',
  } as const;
  // The model is read on the first request (lazyServiceModel), so these are made then.
  private readonly operationSet = onFirstUse(() => new Set(Object.keys(SERVICEDISCOVERY_MODEL.operations)));
  private readonly table = new OperationTable<ServiceDiscoveryScope>('servicediscovery', SERVICEDISCOVERY_HANDLERS);
  /** Constraint violations answer ValidationException; pass `validationErrorCode` if this service says otherwise. */
  private readonly validator = onFirstUse(() => new ModelValidator(SERVICEDISCOVERY_MODEL));
  private readonly stores: AccountRegionStores<ServiceDiscoveryStore>;

  get operations(): ReadonlySet<string> {
    return this.operationSet();
  }

  constructor(private readonly context: ProviderContext) {
    const { enabled, dataDir } = context.persistence;
    // One state store per account and region: <dataDir>/servicediscovery/<account>/<region> when persistence is on.
    this.stores = new AccountRegionStores(
      (accountId, region) =>
        new ServiceDiscoveryStore(
          openStateStore({ dir: enabled ? path.join(dataDir, 'servicediscovery', accountId, region) : undefined }),
        ),
    );
  }

  /** DEBUG request log: values the model marks sensitive never reach it. */
  redactForLog(operation: string, kind: 'input' | 'output', body: unknown): unknown {
    return redactSensitive(SERVICEDISCOVERY_MODEL, operation, kind, body);
  }

  validateInput(operation: string, input: unknown): void {
    this.validator().validate(operation, input);
  }

  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    try {
      // Answered only once its changes (and any made meanwhile) are durable.
      return await answerWhenDurable(store, () => this.table.dispatch(operation, input, { scope, store }, request));
    } finally {
      // Every change (instances, health, DnsConfig, namespaces) reaches DNS before its response does.
      if (!READ_ONLY.test(operation)) publishDns(this.names(), scope.accountId, scope.region, store);
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

  async stop(): Promise<void> {
    withdrawAllDns(this.names());
    for (const { store } of this.stores.entries()) store.close();
  }

  /** The local DNS's name table, shared with the other providers of this gateway. */
  private names() {
    return sharedNameTable(this.context);
  }

  async health(): Promise<ProviderHealth> {
    return { status: 'running', persistence: this.context.persistence.enabled };
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
