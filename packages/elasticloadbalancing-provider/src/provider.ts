import fs from 'node:fs';
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
import { ModelValidator, QueryCodec, lazyServiceModel, onFirstUse } from '@localcloud/aws-model';
import { ELASTICLOADBALANCINGV2_HANDLERS, type ElasticLoadBalancingV2Scope } from './operations';
import { ElasticLoadBalancingV2Store } from './store';
import { DataPlane } from './data-plane/data-plane';

/** The API model generated from @aws-sdk/client-elastic-load-balancing-v2 (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
export const ELASTICLOADBALANCINGV2_MODEL = lazyServiceModel(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('./generated/elasticloadbalancing-model.json'),
);

const SERVICE = 'elasticloadbalancing';

/** Elastic Load Balancing v2 (ALB and NLB) as a localcloud provider plugin: the API and a real data plane. */
export class ElasticLoadBalancingV2Provider implements ServiceProvider {
  readonly service = {
    name: SERVICE,
    protocol: 'query',
    apiVersion: '2015-12-01',
    xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  } as const;
  // The model is read on the first request (lazyServiceModel), so these are made then.
  private readonly operationSet = onFirstUse(() => new Set(Object.keys(ELASTICLOADBALANCINGV2_MODEL.operations)));
  /** Reads the form-encoded requests and writes the XML results as the model names them. */
  readonly queryCodec = new QueryCodec(ELASTICLOADBALANCINGV2_MODEL);
  private readonly table = new OperationTable<ElasticLoadBalancingV2Scope>(SERVICE, ELASTICLOADBALANCINGV2_HANDLERS);
  /** Constraint violations answer ValidationError, as ELBv2 does. */
  private readonly validator = onFirstUse(() => new ModelValidator(ELASTICLOADBALANCINGV2_MODEL));
  private readonly stores: AccountRegionStores<ElasticLoadBalancingV2Store>;
  readonly dataPlane: DataPlane;

  get operations(): ReadonlySet<string> {
    return this.operationSet();
  }

  constructor(private readonly context: ProviderContext) {
    const { enabled, dataDir } = context.persistence;
    // One state store per account and region: <dataDir>/elasticloadbalancing/<account>/<region> when persistence is on.
    this.stores = new AccountRegionStores(
      (accountId, region) =>
        new ElasticLoadBalancingV2Store(
          openStateStore({ dir: enabled ? path.join(dataDir, SERVICE, accountId, region) : undefined }),
        ),
    );
    this.dataPlane = new DataPlane(context.logger, context.env.ELB_LISTEN_HOST || '127.0.0.1');
  }

  validateInput(operation: string, input: unknown): void {
    this.validator().validate(operation, input);
  }

  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    // Answered only once its changes (and any made meanwhile) are durable.
    return answerWhenDurable(store, () =>
      this.table.dispatch(operation, input, { scope, store, plane: this.dataPlane, now: () => new Date() }, request),
    );
  }

  /** Serves again the listeners and health checks of every account and region kept on disk. */
  async start(): Promise<void> {
    const { enabled, dataDir } = this.context.persistence;
    if (!enabled) return;
    const root = path.join(dataDir, SERVICE);
    for (const accountId of listDirs(root)) {
      for (const region of listDirs(path.join(root, accountId))) {
        await this.dataPlane.changed({ accountId, region }, this.stores.get(accountId, region));
      }
    }
  }

  async stop(): Promise<void> {
    await this.dataPlane.stop();
    for (const { store } of this.stores.entries()) store.close();
  }

  async health(): Promise<ProviderHealth> {
    const unserved = [...this.dataPlane.unserved].map(([listenerArn, error]) => ({ listenerArn, error }));
    return {
      status: unserved.length > 0 ? 'degraded' : 'running',
      persistence: this.context.persistence.enabled,
      listeners: this.dataPlane.servedListeners(),
      ...(unserved.length > 0 ? { unservedListeners: unserved } : {}),
    };
  }
}

function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
