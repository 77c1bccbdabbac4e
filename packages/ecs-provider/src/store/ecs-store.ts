import type { Cluster } from '@aws-sdk/client-ecs';

/** ECS state of one account in one region. */
export class EcsStore {
  /** Clusters by name, in creation order. */
  readonly clusters = new Map<string, Cluster>();
}
