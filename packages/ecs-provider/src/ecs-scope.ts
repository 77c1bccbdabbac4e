import type { Scope } from './arn';
import type { EcsStore } from './store/ecs-store';

/** What every ECS handler works on: the caller's account and region, and only that bundle of state. */
export interface EcsScope {
  readonly scope: Scope;
  readonly store: EcsStore;
}
