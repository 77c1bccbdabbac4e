import {
  AccountRegionStores,
  OperationTable,
  type ProviderContext,
  type ProviderHealth,
  type RequestContext,
  type ServiceProvider,
} from '@localcloud/gateway';
import { ECS_OPERATIONS } from './generated/ecs-operations';
import { ECS_HANDLERS } from './operations';
import { EcsStore } from './store/ecs-store';
import type { EcsScope } from './ecs-scope';

/** Amazon ECS as a localcloud provider plugin. */
export class EcsProvider implements ServiceProvider {
  readonly service = { name: 'ecs', targetPrefix: 'AmazonEC2ContainerServiceV20141113', protocol: 'json1.1' } as const;
  readonly operations: ReadonlySet<string> = new Set(ECS_OPERATIONS);
  private readonly table = new OperationTable<EcsScope>('ecs', ECS_HANDLERS);
  private readonly stores = new AccountRegionStores(() => new EcsStore());

  constructor(private readonly context: ProviderContext) {}

  async handle(operation: string, input: unknown, request: RequestContext): Promise<unknown> {
    const scope = { accountId: request.accountId, region: request.region };
    return this.table.dispatch(
      operation,
      input,
      { scope, store: this.stores.get(scope.accountId, scope.region) },
      request,
    );
  }

  async health(): Promise<ProviderHealth> {
    return { status: 'running' };
  }

  get logger() {
    return this.context.logger;
  }
}
