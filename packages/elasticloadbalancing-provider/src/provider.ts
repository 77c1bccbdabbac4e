import fs from 'node:fs';
import path from 'node:path';
import type { ProviderContext, ProviderHealth } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import { ModelledProvider, QueryCodec, lazyServiceModel, type AccountRegion } from '@localcloud/aws-model';
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
export class ElasticLoadBalancingV2Provider extends ModelledProvider<
  ElasticLoadBalancingV2Store,
  ElasticLoadBalancingV2Scope
> {
  /** Reads the form-encoded requests and writes the XML results as the model names them. */
  readonly queryCodec = new QueryCodec(ELASTICLOADBALANCINGV2_MODEL);
  readonly dataPlane: DataPlane;

  constructor(context: ProviderContext) {
    // Constraint violations answer ValidationError, as ELBv2 does (the validator's default for this model).
    super(context, {
      service: {
        name: SERVICE,
        protocol: 'query',
        apiVersion: '2015-12-01',
        xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
      },
      model: ELASTICLOADBALANCINGV2_MODEL,
      handlers: ELASTICLOADBALANCINGV2_HANDLERS,
    });
    this.dataPlane = new DataPlane(context.logger, context.env.ELB_LISTEN_HOST || '127.0.0.1');
  }

  /** One per account and region: `<DATA_DIR>/elasticloadbalancing/<account>/<region>` with PERSISTENCE=1. */
  protected openStore(dir: string | undefined): ElasticLoadBalancingV2Store {
    return new ElasticLoadBalancingV2Store(openStateStore({ dir }));
  }

  protected scopeFor(where: AccountRegion): ElasticLoadBalancingV2Scope {
    const scope = { accountId: where.accountId, region: where.region };
    const store = this.stores.get(scope.accountId, scope.region);
    return { scope, store, plane: this.dataPlane, now: () => new Date() };
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

  override async stop(): Promise<void> {
    await this.dataPlane.stop();
    await super.stop();
  }

  override async health(): Promise<ProviderHealth> {
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
