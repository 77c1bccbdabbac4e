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
import * as generatedModel from './generated/ssm-model.json';
import { SSM_HANDLERS, type SSMScope } from './operations';
import { SSMStore } from './store';

/** The API model generated from @aws-sdk/client-ssm (`npm run generate`). */
export const SSM_MODEL = serviceModel(generatedModel);

/** SSM as a localcloud provider plugin. */
export class SSMProvider implements ServiceProvider {
  readonly service = { name: 'ssm', targetPrefix: 'AmazonSSM', protocol: 'json1.1' } as const;
  readonly operations: ReadonlySet<string> = new Set(Object.keys(SSM_MODEL.operations));
  private readonly table = new OperationTable<SSMScope>('ssm', SSM_HANDLERS);
  /** Constraint violations answer ValidationException; pass `validationErrorCode` if this service says otherwise. */
  private readonly validator = new ModelValidator(SSM_MODEL);
  private readonly stores: AccountRegionStores<SSMStore>;

  constructor(private readonly context: ProviderContext) {
    const { enabled, dataDir } = context.persistence;
    // One state store per account and region: <dataDir>/ssm/<account>/<region> when persistence is on.
    this.stores = new AccountRegionStores(
      (accountId, region) =>
        new SSMStore(openStateStore({ dir: enabled ? path.join(dataDir, 'ssm', accountId, region) : undefined })),
    );
  }

  /** DEBUG request log: parameter values (sensitive in SSM's model) never reach it. */
  redactForLog(operation: string, kind: 'input' | 'output', body: unknown): unknown {
    return redactSensitive(SSM_MODEL, operation, kind, body);
  }

  validateInput(operation: string, input: unknown): void {
    this.validator.validate(operation, input);
  }

  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    const store = this.stores.get(scope.accountId, scope.region);
    // Answered only once its changes (and any made meanwhile) are durable.
    return answerWhenDurable(store, () => this.table.dispatch(operation, input, { scope, store }, request));
  }

  async stop(): Promise<void> {
    for (const { store } of this.stores.entries()) store.close();
  }

  async health(): Promise<ProviderHealth> {
    return { status: 'running', persistence: this.context.persistence.enabled };
  }
}
