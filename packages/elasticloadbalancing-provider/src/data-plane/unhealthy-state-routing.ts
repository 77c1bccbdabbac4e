/*
 * ELBv2's unhealthy state routing (routing failover): when a target group's healthy targets fall below
 * `target_group_health.unhealthy_state_routing.minimum_healthy_targets.count` (default 1) or, unless
 * `off` (the default), `.percentage` of its registered targets, it sends traffic to all of them, unhealthy
 * ones included: either threshold breached is enough.
 */

export const MIN_HEALTHY_COUNT = 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count';
export const MIN_HEALTHY_PERCENTAGE = 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage';

/** The attributes' defaults, as a new target group shows them. */
export const UNHEALTHY_STATE_ROUTING_DEFAULTS = { [MIN_HEALTHY_COUNT]: '1', [MIN_HEALTHY_PERCENTAGE]: 'off' };

/** Why a value of the two attributes is refused; undefined when it is fine. */
export function invalidRoutingAttribute(key: string, value: string): string | undefined {
  if (key === MIN_HEALTHY_COUNT && !(/^\d+$/.test(value) && Number(value) >= 1)) {
    return `'${key}' must be an integer of at least 1, not '${value}'`;
  }
  if (key === MIN_HEALTHY_PERCENTAGE && value !== 'off' && !(/^\d+$/.test(value) && +value >= 1 && +value <= 100)) {
    return `'${key}' must be 'off' or an integer from 1 to 100, not '${value}'`;
  }
  return undefined;
}

/**
 * The targets a group serves: its healthy ones, or all registered (not draining) ones once the healthy
 * ones breach a threshold. Targets still in their first checks keep the group on its healthy ones: they
 * are not known to be unhealthy yet.
 */
export function servingTargets<T>(
  attributes: Readonly<Record<string, string>>,
  registered: readonly T[],
  isHealthy: (target: T) => boolean,
  isUnhealthy: (target: T) => boolean,
): T[] {
  const healthy = registered.filter(isHealthy);
  const count = Number(attributes[MIN_HEALTHY_COUNT] ?? '1');
  const percentage = attributes[MIN_HEALTHY_PERCENTAGE] ?? 'off';
  const breached =
    healthy.length < count || (percentage !== 'off' && healthy.length * 100 < Number(percentage) * registered.length);
  const allJudged = registered.every((t) => isHealthy(t) || isUnhealthy(t));
  return breached && registered.length > 0 && allJudged ? [...registered] : healthy;
}
