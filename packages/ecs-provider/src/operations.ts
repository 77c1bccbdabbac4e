import type { OperationHandler } from '@localcloud/gateway';
import type { EcsScope } from './ecs-scope';
import { createCluster, listClusters } from './handlers/clusters';

/** ECS operations localcloud implements, by API operation name. The rest answer "not implemented". */
export const ECS_HANDLERS: Readonly<Record<string, OperationHandler<EcsScope>>> = {
  CreateCluster: createCluster,
  ListClusters: listClusters,
};
