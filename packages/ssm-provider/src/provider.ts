import type { ProviderContext } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import { ModelledProvider, lazyServiceModel, type AccountRegion } from '@localcloud/aws-model';
import { SSM_HANDLERS, type SSMScope } from './operations';
import { SSMStore } from './store';

/** The API model generated from @aws-sdk/client-ssm (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SSM_MODEL = lazyServiceModel(() => require('./generated/ssm-model.json'));

/** SSM as a localcloud provider plugin; parameter values (sensitive in SSM's model) never reach the DEBUG log. */
export class SSMProvider extends ModelledProvider<SSMStore, SSMScope> {
  constructor(context: ProviderContext) {
    super(context, {
      service: { name: 'ssm', targetPrefix: 'AmazonSSM', protocol: 'json1.1' },
      model: SSM_MODEL,
      handlers: SSM_HANDLERS,
    });
  }

  protected openStore(dir: string | undefined): SSMStore {
    return new SSMStore(openStateStore({ dir }));
  }

  protected scopeFor(where: AccountRegion): SSMScope {
    const scope = { accountId: where.accountId, region: where.region };
    return { scope, store: this.stores.get(scope.accountId, scope.region) };
  }
}
