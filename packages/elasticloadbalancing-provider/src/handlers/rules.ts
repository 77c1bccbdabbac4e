import type { Handler } from '../operations';
import type { ElasticLoadBalancingV2Store } from '../store';
import type { Action, Condition, RuleRecord } from '../domain/records';
import { newResourceId, ruleArn } from '../domain/arn';
import { normaliseActions } from '../domain/actions';
import { normaliseConditions } from '../domain/conditions';
import { OperationNotPermitted, PriorityInUse, ValidationError, ruleNotFound } from '../errors';
import { checkTags, paginate, requireListener, requireLoadBalancer } from './common';

/** A listener's rules in evaluation order: by priority, the default rule last. */
export function rulesInOrder(store: ElasticLoadBalancingV2Store, listenerArn: string): RuleRecord[] {
  const rank = (r: RuleRecord) => (r.priority === 'default' ? Infinity : r.priority);
  return store.rulesOf(listenerArn).sort((a, b) => rank(a) - rank(b));
}

export function describeRule(rule: RuleRecord) {
  return {
    RuleArn: rule.arn,
    Priority: String(rule.priority),
    Conditions: rule.conditions,
    Actions: rule.actions,
    IsDefault: rule.priority === 'default',
  };
}

function requireRule(store: ElasticLoadBalancingV2Store, arn: string): RuleRecord {
  const rule = store.rules.get(arn);
  if (!rule) throw ruleNotFound();
  return rule;
}

function checkPriority(store: ElasticLoadBalancingV2Store, listenerArn: string, priority: number, except?: string) {
  if (store.rulesOf(listenerArn).some((r) => r.priority === priority && r.arn !== except)) {
    throw new PriorityInUse(`Priority '${priority}' is currently in use`);
  }
}

function actionsFor(store: ElasticLoadBalancingV2Store, listenerArn: string, actions: Action[]): Action[] {
  const listener = requireListener(store, listenerArn);
  return normaliseActions(store, requireLoadBalancer(store, listener.loadBalancerArn), actions);
}

const createRule: Handler = async (
  input: {
    ListenerArn: string;
    Conditions: Condition[];
    Priority: number;
    Actions: Action[];
    Tags?: { Key: string; Value?: string }[];
  },
  { store, scope, plane },
) => {
  const listener = requireListener(store, input.ListenerArn);
  if (requireLoadBalancer(store, listener.loadBalancerArn).type === 'network') {
    throw new OperationNotPermitted(
      'Rules are not supported on network load balancers: use the listener’s default action',
    );
  }
  if (input.Conditions.length === 0) throw new ValidationError('A rule must have at least one condition');
  checkPriority(store, listener.arn, input.Priority);
  const rule: RuleRecord = {
    arn: ruleArn(listener.arn, newResourceId()),
    listenerArn: listener.arn,
    priority: input.Priority,
    conditions: normaliseConditions(input.Conditions),
    actions: actionsFor(store, listener.arn, input.Actions),
    tags: checkTags(input.Tags),
  };
  store.rules.put(rule.arn, rule);
  await plane.changed(scope, store);
  return { Rules: [describeRule(rule)] };
};

const describeRules: Handler = async (
  input: { ListenerArn?: string; RuleArns?: string[]; Marker?: string; PageSize?: number },
  { store },
) => {
  let rules: RuleRecord[];
  if (input.RuleArns?.length) {
    rules = input.RuleArns.map((arn) => requireRule(store, arn));
  } else if (input.ListenerArn) {
    rules = rulesInOrder(store, requireListener(store, input.ListenerArn).arn);
  } else {
    throw new ValidationError('You must specify either listener ARN or rule ARNs');
  }
  const { page, next } = paginate(rules, input.Marker, input.PageSize);
  return { Rules: page.map(describeRule), NextMarker: next };
};

const modifyRule: Handler = async (
  input: { RuleArn: string; Conditions?: Condition[]; Actions?: Action[] },
  { store, scope, plane },
) => {
  const rule = requireRule(store, input.RuleArn);
  if (rule.priority === 'default' && input.Conditions?.length) {
    throw new OperationNotPermitted('The conditions of a default rule cannot be modified');
  }
  const next: RuleRecord = {
    ...rule,
    conditions: input.Conditions ? normaliseConditions(input.Conditions) : rule.conditions,
    actions: input.Actions ? actionsFor(store, rule.listenerArn, input.Actions) : rule.actions,
  };
  store.transaction(() => {
    store.rules.put(rule.arn, next);
    if (rule.priority === 'default' && input.Actions) {
      const listener = requireListener(store, rule.listenerArn);
      store.listeners.put(listener.arn, { ...listener, defaultActions: next.actions });
    }
  });
  await plane.changed(scope, store);
  return { Rules: [describeRule(next)] };
};

const deleteRule: Handler = async (input: { RuleArn: string }, { store, scope, plane }) => {
  const rule = requireRule(store, input.RuleArn);
  if (rule.priority === 'default') throw new OperationNotPermitted(`Default rule '${rule.arn}' cannot be deleted`);
  store.rules.delete(rule.arn);
  await plane.changed(scope, store);
  return {};
};

const setRulePriorities: Handler = async (
  input: { RulePriorities: { RuleArn?: string; Priority?: number }[] },
  { store, scope, plane },
) => {
  const changed = input.RulePriorities.map(({ RuleArn, Priority }) => {
    const rule = requireRule(store, RuleArn ?? '');
    if (rule.priority === 'default')
      throw new OperationNotPermitted(`The priority of default rule '${rule.arn}' cannot be set`);
    if (Priority === undefined) throw new ValidationError('A priority must be specified');
    return { ...rule, priority: Priority };
  });
  const moving = new Set(changed.map((r) => r.arn));
  for (const rule of changed) {
    const clash =
      changed.some((r) => r !== rule && r.listenerArn === rule.listenerArn && r.priority === rule.priority) ||
      store.rulesOf(rule.listenerArn).some((r) => !moving.has(r.arn) && r.priority === rule.priority);
    if (clash) throw new PriorityInUse(`Priority '${rule.priority}' is currently in use`);
  }
  store.transaction(() => changed.forEach((rule) => store.rules.put(rule.arn, rule)));
  await plane.changed(scope, store);
  return { Rules: changed.map(describeRule) };
};

export const RULE_HANDLERS: Readonly<Record<string, Handler>> = {
  CreateRule: createRule,
  DescribeRules: describeRules,
  ModifyRule: modifyRule,
  DeleteRule: deleteRule,
  SetRulePriorities: setRulePriorities,
};
