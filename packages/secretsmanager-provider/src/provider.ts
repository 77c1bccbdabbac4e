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
import { ModelValidator, redactSensitive, serviceModel } from '@localcloud/aws-model';
import * as generatedModel from './generated/secretsmanager-model.json';
import { SECRETSMANAGER_HANDLERS, type SecretsManagerScope } from './operations';
import { SecretsManagerStore } from './store';

/** The API model generated from @aws-sdk/client-secrets-manager (`npm run generate`). */
export const SECRETSMANAGER_MODEL = serviceModel(generatedModel);

export interface SecretsManagerProviderOptions {
  /** Milliseconds since the epoch; tests may fix it. */
  readonly clock?: () => number;
}

/** AWS Secrets Manager as a localcloud provider plugin. */
export class SecretsManagerProvider implements ServiceProvider {
  readonly service = { name: 'secretsmanager', targetPrefix: 'secretsmanager', protocol: 'json1.1' } as const;
  readonly operations: ReadonlySet<string> = new Set(Object.keys(SECRETSMANAGER_MODEL.operations));
  private readonly table = new OperationTable<SecretsManagerScope>('secretsmanager', SECRETSMANAGER_HANDLERS);
  /** Constraint violations answer ValidationException; pass `validationErrorCode` if this service says otherwise. */
  private readonly validator = new ModelValidator(SECRETSMANAGER_MODEL);
  private readonly stores: AccountRegionStores<SecretsManagerStore>;

  private readonly clock: () => number;

  constructor(
    private readonly context: ProviderContext,
    options: SecretsManagerProviderOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    const { enabled, dataDir } = context.persistence;
    // One state store per account and region: <dataDir>/secretsmanager/<account>/<region> when persistence is on.
    this.stores = new AccountRegionStores(
      (accountId, region) =>
        new SecretsManagerStore(
          openStateStore({ dir: enabled ? path.join(dataDir, 'secretsmanager', accountId, region) : undefined }),
        ),
    );
  }

  /** DEBUG request log: values the model marks sensitive never reach it. */
  redactForLog(operation: string, kind: 'input' | 'output', body: unknown): unknown {
    return redactSensitive(SECRETSMANAGER_MODEL, operation, kind, body);
  }

  /**
   * Validates, then runs the operation. Validation happens here rather than in `validateInput` so that
   * in-process callers (ECS resolving a task's `secrets`) get the same checks as HTTP clients. Input and
   * output are the AWS API shapes, with `SecretBinary` as base64 (its JSON form) and dates as `Date`s.
   */
  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    this.validator.validate(operation, input ?? {});
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    // Answered only once its changes (and any made meanwhile) are durable.
    return answerWhenDurable(store, () =>
      this.table.dispatch(operation, input ?? {}, { scope, store, now: this.clock() }, request),
    );
  }

  async stop(): Promise<void> {
    for (const { store } of this.stores.entries()) store.close();
  }

  async health(): Promise<ProviderHealth> {
    return { status: 'running', persistence: this.context.persistence.enabled };
  }
}
