import type { ElasticLoadBalancingV2Store } from '../store';
import type { Action, LoadBalancerRecord } from './records';
import {
  IncompatibleProtocols,
  InvalidConfigurationRequest,
  InvalidLoadBalancerAction,
  TargetGroupAssociationLimit,
  TooManyActions,
  ValidationError,
  targetGroupNotFound,
} from '../errors';

interface ForwardConfig {
  TargetGroups?: { TargetGroupArn?: string; Weight?: number }[];
  TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number };
}

/** The target groups an action list forwards to, with their weights (default 1). */
export function forwardedTargetGroups(actions: readonly Action[]): { arn: string; weight: number }[] {
  return actions.flatMap((action) => {
    if (action.Type !== 'forward') return [];
    const config = action.ForwardConfig as ForwardConfig | undefined;
    if (config?.TargetGroups?.length) {
      return config.TargetGroups.flatMap((t) =>
        t.TargetGroupArn ? [{ arn: t.TargetGroupArn, weight: t.Weight ?? 1 }] : [],
      );
    }
    return typeof action.TargetGroupArn === 'string' ? [{ arn: action.TargetGroupArn, weight: 1 }] : [];
  });
}

const HTTP_TARGET_PROTOCOLS = new Set(['HTTP', 'HTTPS']);
const SUPPORTED = new Set(['forward', 'fixed-response', 'redirect']);

/**
 * Checks a listener's or rule's actions as ELBv2 does and returns them as DescribeListeners/DescribeRules
 * show them: a single-group forward also carries its ForwardConfig, and every action its Order.
 */
export function normaliseActions(
  store: ElasticLoadBalancingV2Store,
  lb: LoadBalancerRecord,
  actions: readonly Action[],
): Action[] {
  if (actions.length === 0) throw new ValidationError('At least one action must be specified');
  const terminal = actions.filter((a) => a.Type === 'forward' || a.Type === 'fixed-response' || a.Type === 'redirect');
  if (terminal.length > 1)
    throw new TooManyActions('You can specify only one forward, fixed-response or redirect action');
  return actions.map((action, i) => {
    if (!SUPPORTED.has(action.Type)) {
      throw new InvalidLoadBalancerAction(`Action type '${action.Type}' is not supported by localcloud`);
    }
    if (lb.type === 'network' && action.Type !== 'forward') {
      throw new InvalidLoadBalancerAction(`Action type '${action.Type}' is not supported on a network load balancer`);
    }
    const order = (action.Order as number | undefined) ?? i + 1;
    if (action.Type === 'fixed-response') {
      const config = action.FixedResponseConfig as { StatusCode?: string } | undefined;
      if (!config?.StatusCode)
        throw new ValidationError('A fixed-response action requires FixedResponseConfig.StatusCode');
      return { ...action, Order: order };
    }
    if (action.Type === 'redirect') {
      const config = action.RedirectConfig as { StatusCode?: string } | undefined;
      if (!config?.StatusCode) throw new ValidationError('A redirect action requires RedirectConfig.StatusCode');
      return { ...action, Order: order };
    }
    const groups = forwardedTargetGroups([action]);
    if (groups.length === 0) throw new ValidationError('A forward action requires a target group');
    for (const { arn } of groups) {
      const tg = store.targetGroups.get(arn);
      if (!tg) throw targetGroupNotFound();
      const httpGroup = HTTP_TARGET_PROTOCOLS.has(tg.protocol ?? '');
      if (httpGroup !== (lb.type === 'application')) {
        throw new IncompatibleProtocols(
          `The target group '${arn}' has protocol '${tg.protocol}', which a load balancer of type '${lb.type}' cannot forward to`,
        );
      }
      const others = otherLoadBalancers(store, arn, lb.arn);
      if (others.length > 0) {
        throw new TargetGroupAssociationLimit(
          `The following target groups cannot be associated with more than one load balancer: ${arn}`,
        );
      }
    }
    const config = action.ForwardConfig as ForwardConfig | undefined;
    if (config?.TargetGroups?.some((t) => t.Weight !== undefined && (t.Weight < 0 || t.Weight > 999))) {
      throw new InvalidConfigurationRequest('Target group weights must be from 0 to 999');
    }
    const forwardConfig: ForwardConfig = {
      TargetGroups: groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
      TargetGroupStickinessConfig: config?.TargetGroupStickinessConfig ?? { Enabled: false },
    };
    return {
      Type: 'forward',
      ...(groups.length === 1 ? { TargetGroupArn: groups[0]!.arn } : {}),
      ForwardConfig: forwardConfig,
      Order: order,
    };
  });
}

function otherLoadBalancers(store: ElasticLoadBalancingV2Store, tgArn: string, lbArn: string): string[] {
  const found = new Set<string>();
  for (const listener of store.listeners.values()) {
    if (listener.loadBalancerArn === lbArn) continue;
    const actions = [listener.defaultActions, ...store.rulesOf(listener.arn).map((r) => r.actions)].flat();
    if (forwardedTargetGroups(actions).some((g) => g.arn === tgArn)) found.add(listener.loadBalancerArn);
  }
  return [...found];
}
