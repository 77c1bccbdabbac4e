import type { ProviderContext } from '@localcloud/gateway';
import { ModelledProvider, lazyServiceModel, type AccountRegion } from '@localcloud/aws-model';
import { SECRETSMANAGER_HANDLERS, type SecretsManagerScope } from './operations';
import { openSecretsManagerStore, type SecretsManagerStore } from './store';

/** The API model generated from @aws-sdk/client-secrets-manager (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SECRETSMANAGER_MODEL = lazyServiceModel(() => require('./generated/secretsmanager-model.json'));

export interface SecretsManagerProviderOptions {
  /** Milliseconds since the epoch; tests may fix it. */
  readonly clock?: () => number;
}

/**
 * AWS Secrets Manager as a localcloud provider plugin. Input is validated in `handle`, so that in-process
 * callers (ECS resolving a task's `secrets`) get the same checks as HTTP clients. Input and output are the
 * AWS API shapes, with `SecretBinary` as base64 (its JSON form) and dates as `Date`s.
 */
export class SecretsManagerProvider extends ModelledProvider<SecretsManagerStore, SecretsManagerScope> {
  private readonly clock: () => number;

  constructor(context: ProviderContext, options: SecretsManagerProviderOptions = {}) {
    super(context, {
      service: { name: 'secretsmanager', targetPrefix: 'secretsmanager', protocol: 'json1.1' },
      model: SECRETSMANAGER_MODEL,
      handlers: SECRETSMANAGER_HANDLERS,
      validateInHandle: true,
    });
    this.clock = options.clock ?? Date.now;
  }

  protected openStore(dir: string | undefined): SecretsManagerStore {
    return openSecretsManagerStore(dir);
  }

  protected scopeFor(where: AccountRegion): SecretsManagerScope {
    const scope = { accountId: where.accountId, region: where.region };
    return { scope, store: this.stores.get(scope.accountId, scope.region), now: this.clock() };
  }
}
