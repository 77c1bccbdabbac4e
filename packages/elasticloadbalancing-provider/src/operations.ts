import type { OperationHandler } from '@localcloud/gateway';
import type { ElasticLoadBalancingV2Store } from './store';
import type { Scope } from './domain/arn';
import type { TargetHealthDescription } from './domain/target-health';
import { LOAD_BALANCER_HANDLERS } from './handlers/load-balancers';
import { TARGET_GROUP_HANDLERS } from './handlers/target-groups';
import { LISTENER_HANDLERS } from './handlers/listeners';
import { RULE_HANDLERS } from './handlers/rules';
import { TARGET_HANDLERS } from './handlers/targets';
import { TAG_HANDLERS } from './handlers/tags';

/** What handlers need of the data plane: to hear of changes and to tell a target's health. */
export interface DataPlaneView {
  /** The state of this account and region changed: listeners, rules or targets to (re)serve. */
  changed(scope: Scope, store: ElasticLoadBalancingV2Store): Promise<void>;
  /** Where a listener really listens (its port when it was free), or undefined when it is not served. */
  boundAddress(listenerArn: string): { host: string; port: number } | undefined;
  targetHealth(
    store: ElasticLoadBalancingV2Store,
    targetGroupArn: string,
    target: { id: string; port: number },
  ): TargetHealthDescription;
}

/** What every handler works on: the caller's account and region, and only that state. */
export interface ElasticLoadBalancingV2Scope {
  readonly scope: Scope;
  readonly store: ElasticLoadBalancingV2Store;
  readonly plane: DataPlaneView;
  readonly now: () => Date;
}

export type Handler = OperationHandler<ElasticLoadBalancingV2Scope>;

/**
 * The ELBv2 operations localcloud implements, by API operation name. Every other operation of the API
 * (51 in the model: trust stores, listener certificates, capacity reservations, IPAM pools…) answers
 * NotImplementedException (501).
 */
export const ELASTICLOADBALANCINGV2_HANDLERS: Readonly<Record<string, Handler>> = {
  ...LOAD_BALANCER_HANDLERS,
  ...TARGET_GROUP_HANDLERS,
  ...LISTENER_HANDLERS,
  ...RULE_HANDLERS,
  ...TARGET_HANDLERS,
  ...TAG_HANDLERS,
};
