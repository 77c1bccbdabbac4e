import type { Handler } from '../operations';
import type { ElasticLoadBalancingV2Store } from '../store';
import type { Action, ListenerRecord, LoadBalancerRecord } from '../domain/records';
import { listenerArn, newResourceId, ruleArn } from '../domain/arn';
import { normaliseActions } from '../domain/actions';
import { DuplicateListener, UnsupportedProtocol, ValidationError } from '../errors';
import { checkTags, paginate, requireListener, requireLoadBalancer } from './common';

/** Listener protocols localcloud serves per load balancer type: HTTPS is served as HTTP, TLS as TCP. */
const PROTOCOLS: Readonly<Record<LoadBalancerRecord['type'], readonly string[]>> = {
  application: ['HTTP', 'HTTPS'],
  network: ['TCP', 'TLS'],
};

export function describeListener(listener: ListenerRecord) {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol,
    Certificates: listener.certificates,
    SslPolicy: listener.sslPolicy,
    DefaultActions: listener.defaultActions,
    AlpnPolicy: listener.alpnPolicy,
  };
}

/** Removes a listener with its rules (the default rule included). */
export function deleteListenerCascade(store: ElasticLoadBalancingV2Store, arn: string): void {
  for (const rule of store.rulesOf(arn)) store.rules.delete(rule.arn);
  store.listeners.delete(arn);
}

interface ListenerInput {
  Port?: number;
  Protocol?: string;
  DefaultActions?: Action[];
  Certificates?: { CertificateArn?: string }[];
  SslPolicy?: string;
  AlpnPolicy?: string[];
}

function checkProtocol(lb: LoadBalancerRecord, protocol: string, input: ListenerInput): void {
  if (!PROTOCOLS[lb.type].includes(protocol)) {
    throw new UnsupportedProtocol(
      `Listener protocol '${protocol}' is not supported on a load balancer of type '${lb.type}' in localcloud (supported: ${PROTOCOLS[lb.type].join(', ')})`,
    );
  }
  if ((protocol === 'HTTPS' || protocol === 'TLS') && !input.Certificates?.some((c) => c.CertificateArn)) {
    throw new ValidationError(`A certificate must be specified for ${protocol} listeners`);
  }
}

function checkPortFree(store: ElasticLoadBalancingV2Store, lbArn: string, port: number, except?: string): void {
  if (store.listenersOf(lbArn).some((l) => l.port === port && l.arn !== except)) {
    throw new DuplicateListener('A listener already exists on this port for this load balancer');
  }
}

const createListener: Handler = async (
  input: ListenerInput & { LoadBalancerArn: string; Tags?: { Key: string; Value?: string }[] },
  { store, scope, plane },
) => {
  const lb = requireLoadBalancer(store, input.LoadBalancerArn);
  const protocol = input.Protocol ?? (lb.type === 'application' ? 'HTTP' : 'TCP');
  if (input.Port === undefined) throw new ValidationError('A listener port must be specified');
  checkProtocol(lb, protocol, input);
  const existing = store.listenersOf(lb.arn).find((l) => l.port === input.Port);
  const defaultActions = normaliseActions(store, lb, input.DefaultActions ?? []);
  if (existing) {
    // Idempotent: the same port, protocol and actions answer the existing listener.
    const same =
      existing.protocol === protocol && JSON.stringify(existing.defaultActions) === JSON.stringify(defaultActions);
    if (same) return { Listeners: [describeListener(existing)] };
    checkPortFree(store, lb.arn, input.Port);
  }
  const arn = listenerArn(lb.arn, newResourceId());
  const listener: ListenerRecord = {
    arn,
    loadBalancerArn: lb.arn,
    port: input.Port,
    protocol,
    defaultActions,
    certificates: input.Certificates?.map((c) => ({ CertificateArn: c.CertificateArn })),
    sslPolicy:
      protocol === 'HTTPS' || protocol === 'TLS' ? (input.SslPolicy ?? 'ELBSecurityPolicy-2016-08') : undefined,
    alpnPolicy: input.AlpnPolicy,
    attributes: {},
    tags: checkTags(input.Tags),
  };
  store.transaction(() => {
    store.listeners.put(arn, listener);
    const defaultRule = ruleArn(arn, newResourceId());
    store.rules.put(defaultRule, {
      arn: defaultRule,
      listenerArn: arn,
      priority: 'default',
      conditions: [],
      actions: defaultActions,
      tags: [],
    });
  });
  await plane.changed(scope, store);
  return { Listeners: [describeListener(listener)] };
};

const describeListeners: Handler = async (
  input: { LoadBalancerArn?: string; ListenerArns?: string[]; Marker?: string; PageSize?: number },
  { store },
) => {
  let listeners: ListenerRecord[];
  if (input.ListenerArns?.length) {
    if (input.LoadBalancerArn) {
      throw new ValidationError('Listener ARNs and a load balancer ARN cannot be specified at the same time');
    }
    listeners = input.ListenerArns.map((arn) => requireListener(store, arn));
  } else if (input.LoadBalancerArn) {
    requireLoadBalancer(store, input.LoadBalancerArn);
    listeners = store.listenersOf(input.LoadBalancerArn);
  } else {
    throw new ValidationError('You must specify either listener ARNs or a load balancer ARN');
  }
  const { page, next } = paginate(listeners, input.Marker, input.PageSize);
  return { Listeners: page.map(describeListener), NextMarker: next };
};

const modifyListener: Handler = async (input: ListenerInput & { ListenerArn: string }, { store, scope, plane }) => {
  const listener = requireListener(store, input.ListenerArn);
  const lb = requireLoadBalancer(store, listener.loadBalancerArn);
  const protocol = input.Protocol ?? listener.protocol;
  const certificates = input.Certificates ?? listener.certificates;
  checkProtocol(lb, protocol, { ...input, Certificates: certificates as ListenerInput['Certificates'] });
  const port = input.Port ?? listener.port;
  checkPortFree(store, lb.arn, port, listener.arn);
  const defaultActions = input.DefaultActions
    ? normaliseActions(store, lb, input.DefaultActions)
    : listener.defaultActions;
  const next: ListenerRecord = {
    ...listener,
    port,
    protocol,
    defaultActions,
    certificates,
    sslPolicy: input.SslPolicy ?? listener.sslPolicy,
    alpnPolicy: input.AlpnPolicy ?? listener.alpnPolicy,
  };
  store.transaction(() => {
    store.listeners.put(listener.arn, next);
    const defaultRule = store.rulesOf(listener.arn).find((r) => r.priority === 'default');
    if (defaultRule) store.rules.put(defaultRule.arn, { ...defaultRule, actions: defaultActions });
  });
  await plane.changed(scope, store);
  return { Listeners: [describeListener(next)] };
};

const deleteListener: Handler = async (input: { ListenerArn: string }, { store, scope, plane }) => {
  requireListener(store, input.ListenerArn);
  store.transaction(() => deleteListenerCascade(store, input.ListenerArn));
  await plane.changed(scope, store);
  return {};
};

const describeListenerAttributes: Handler = async (input: { ListenerArn: string }, { store }) => {
  requireListener(store, input.ListenerArn);
  return { Attributes: [] };
};

export const LISTENER_HANDLERS: Readonly<Record<string, Handler>> = {
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  ModifyListener: modifyListener,
  DeleteListener: deleteListener,
  DescribeListenerAttributes: describeListenerAttributes,
};
