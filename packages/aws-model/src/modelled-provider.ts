import path from 'node:path';
import {
  AccountRegionStores,
  OperationTable,
  type OperationHandler,
  type ProviderContext,
  type ProviderHealth,
  type RequestContext,
  type ServiceDescriptor,
  type ServiceProvider,
} from '@localcloud/gateway';
import { onFirstUse, type ServiceModel } from './model';
import { ModelValidator } from './validator';
import { redactSensitive } from './redact';

/** The account and region a request (or an in-process call) acts in. */
export interface AccountRegion {
  readonly accountId: string;
  readonly region: string;
}

export interface ModelledProviderSpec<TScope> {
  /** How the gateway routes to the service; `name` also names its data directory. */
  readonly service: ServiceDescriptor;
  /** The generated API model: the operation list, validation and redaction come from it. */
  readonly model: ServiceModel;
  /** Handlers by operation name; every other operation of the model answers NotImplementedException (501). */
  readonly handlers: Readonly<Record<string, OperationHandler<TScope>>>;
  /** The code of a constraint violation, where the service does not answer ValidationException. */
  readonly validationErrorCode?: string;
  /**
   * Validate in `handle` rather than in `validateInput`, so that in-process callers (other providers,
   * through `lookupProvider`) get the same checks as HTTP clients; a missing input counts as `{}`.
   */
  readonly validateInHandle?: boolean;
}

/** What the wiring needs of a store: @localcloud/persistence's `durable()` barrier, and `close()`. */
export interface DurableStore {
  /** Resolves once every change so far is durable (group commit); answers wait for it. */
  durable(): Promise<void>;
  close(): void;
}

/**
 * The wiring every JSON provider on the generated model shares: the model's operations, the shared input
 * validator, redaction of sensitive members for the DEBUG log, dispatch through an `OperationTable`, one
 * store per account and region (under `<DATA_DIR>/<service>/<account>/<region>` with PERSISTENCE=1),
 * closed on stop, and health. A provider supplies its store and what its handlers see of a request.
 */
export abstract class ModelledProvider<TStore extends DurableStore, TScope> implements ServiceProvider {
  readonly service: ServiceDescriptor;
  protected readonly stores: AccountRegionStores<TStore>;
  private readonly table: OperationTable<TScope>;
  // Made on the first request, so that a model (see lazyServiceModel) is not read at start.
  private readonly operationSet: () => ReadonlySet<string>;
  private readonly validatorOf: () => ModelValidator;

  constructor(
    protected readonly context: ProviderContext,
    private readonly spec: ModelledProviderSpec<TScope>,
  ) {
    this.service = spec.service;
    this.table = new OperationTable<TScope>(spec.service.name, spec.handlers);
    this.operationSet = onFirstUse(() => new Set(Object.keys(spec.model.operations)));
    this.validatorOf = onFirstUse(
      () => new ModelValidator(spec.model, { validationErrorCode: spec.validationErrorCode }),
    );
    const { enabled, dataDir } = context.persistence;
    this.stores = new AccountRegionStores((accountId, region) =>
      this.openStore(enabled ? path.join(dataDir, spec.service.name, accountId, region) : undefined),
    );
  }

  get operations(): ReadonlySet<string> {
    return this.operationSet();
  }

  /** The service's store for one account and region: journal-backed in `dir`, in memory without one. */
  protected abstract openStore(dir: string | undefined): TStore;

  /** What the handlers work on for a call in `where`: at least that account's and region's store. */
  protected abstract scopeFor(where: AccountRegion): TScope;

  /** DEBUG request log: values the model marks sensitive never reach it. */
  redactForLog(operation: string, kind: 'input' | 'output', body: unknown): unknown {
    return redactSensitive(this.spec.model, operation, kind, body);
  }

  validateInput(operation: string, input: unknown): void {
    if (!this.spec.validateInHandle) this.validatorOf().validate(operation, input);
  }

  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    if (this.spec.validateInHandle) {
      input ??= {};
      this.validatorOf().validate(operation, input);
    }
    // Answered (or refused) only once its changes, and any made meanwhile, are durable.
    try {
      return await this.table.dispatch(operation, input, this.scopeFor(request), request);
    } finally {
      await this.stores.get(request.accountId, request.region).durable();
    }
  }

  async stop(): Promise<void> {
    for (const { store } of this.stores.entries()) store.close();
  }

  async health(): Promise<ProviderHealth> {
    return { status: 'running', persistence: this.context.persistence.enabled };
  }
}
