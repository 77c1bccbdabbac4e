import { truncateText } from '@localcloud/gateway';
import type { Handler } from '../operations';
import type { ElasticLoadBalancingV2Store } from '../store';
import type { HealthCheckSettings, TargetGroupRecord } from '../domain/records';
import { newResourceId, targetGroupArn } from '../domain/arn';
import { forwardedTargetGroups } from '../domain/actions';
import {
  DuplicateTargetGroupName,
  InvalidConfigurationRequest,
  ResourceInUse,
  ValidationError,
  targetGroupNotFound,
} from '../errors';
import {
  attributeList,
  checkName,
  checkTags,
  modifiedAttributes,
  paginate,
  requireLoadBalancer,
  requireTargetGroup,
} from './common';
import { invalidRoutingAttribute, UNHEALTHY_STATE_ROUTING_DEFAULTS } from '../data-plane/unhealthy-state-routing';

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTPS']);

/** The load balancers whose listeners or rules forward to a target group. */
export function loadBalancersOf(store: ElasticLoadBalancingV2Store, tgArn: string): string[] {
  const arns = new Set<string>();
  for (const listener of store.listeners.values()) {
    const actions = [listener.defaultActions, ...store.rulesOf(listener.arn).map((r) => r.actions)].flat();
    if (forwardedTargetGroups(actions).some((t) => t.arn === tgArn)) arns.add(listener.loadBalancerArn);
  }
  return [...arns];
}

export function describeTargetGroup(store: ElasticLoadBalancingV2Store, tg: TargetGroupRecord) {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: hc.httpCode !== undefined ? { HttpCode: hc.httpCode } : undefined,
    LoadBalancerArns: loadBalancersOf(store, tg.arn),
    TargetType: tg.targetType,
    ProtocolVersion: tg.protocolVersion,
    IpAddressType: tg.ipAddressType,
  };
}

interface HealthCheckInput {
  HealthCheckProtocol?: string;
  HealthCheckPort?: string;
  HealthCheckEnabled?: boolean;
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
}

/** AWS's defaults: HTTP checks every 30 s (timeout 5 s), TCP checks every 30 s (timeout 10 s); 5 up, 2 down. */
function healthCheckOf(
  protocol: string | undefined,
  input: HealthCheckInput,
  old?: HealthCheckSettings,
): HealthCheckSettings {
  const checkProtocol =
    input.HealthCheckProtocol ?? old?.protocol ?? (protocol && HTTP_PROTOCOLS.has(protocol) ? protocol : 'TCP');
  const http = HTTP_PROTOCOLS.has(checkProtocol);
  const settings: HealthCheckSettings = {
    enabled: input.HealthCheckEnabled ?? old?.enabled ?? true,
    protocol: checkProtocol,
    port: input.HealthCheckPort ?? old?.port ?? 'traffic-port',
    path: http ? (input.HealthCheckPath ?? old?.path ?? '/') : undefined,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? old?.intervalSeconds ?? 30,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? old?.timeoutSeconds ?? (http ? 5 : 10),
    healthyThreshold: input.HealthyThresholdCount ?? old?.healthyThreshold ?? 5,
    unhealthyThreshold: input.UnhealthyThresholdCount ?? old?.unhealthyThreshold ?? 2,
    httpCode: http ? (input.Matcher?.HttpCode ?? old?.httpCode ?? '200') : undefined,
  };
  if (settings.port !== 'traffic-port' && !/^\d+$/.test(settings.port)) {
    throw new ValidationError(
      `Health check port '${truncateText(settings.port)}' must be 'traffic-port' or a port number`,
    );
  }
  if (settings.timeoutSeconds >= settings.intervalSeconds) {
    throw new ValidationError('Health check timeout must be smaller than the interval');
  }
  if (settings.httpCode !== undefined && !/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(settings.httpCode)) {
    throw new ValidationError(
      `Health check matcher HTTP code '${truncateText(settings.httpCode)}' must be codes like 200, 200,202 or 200-299`,
    );
  }
  return settings;
}

interface CreateInput extends HealthCheckInput {
  Name: string;
  Protocol?: string;
  ProtocolVersion?: string;
  Port?: number;
  VpcId?: string;
  TargetType?: string;
  Tags?: { Key: string; Value?: string }[];
  IpAddressType?: string;
}

const createTargetGroup: Handler = async (input: CreateInput, { scope, store }) => {
  checkName(input.Name, 'Target group');
  const targetType = (input.TargetType ?? 'instance') as TargetGroupRecord['targetType'];
  if (targetType === 'lambda' || targetType === 'alb') {
    throw new InvalidConfigurationRequest(
      `Target groups of target type '${targetType}' are not supported by localcloud`,
    );
  }
  if (!input.Protocol) throw new ValidationError('A protocol must be specified');
  if (input.Port === undefined) throw new ValidationError('A port must be specified');
  if (!input.VpcId) throw new ValidationError('A VPC ID must be specified');
  if (input.ProtocolVersion && !HTTP_PROTOCOLS.has(input.Protocol)) {
    throw new ValidationError('A protocol version can only be specified for HTTP and HTTPS target groups');
  }
  const healthCheck = healthCheckOf(input.Protocol, input);
  const existing = [...store.targetGroups.values()].find((tg) => tg.name === input.Name);
  if (existing) {
    // Idempotent like CreateLoadBalancer: the same name and settings answer the existing group.
    if (existing.protocol === input.Protocol && existing.port === input.Port && existing.targetType === targetType) {
      return { TargetGroups: [describeTargetGroup(store, existing)] };
    }
    throw new DuplicateTargetGroupName(
      `A target group with the same name '${input.Name}' exists, but with different settings`,
    );
  }
  const http = HTTP_PROTOCOLS.has(input.Protocol);
  const tg: TargetGroupRecord = {
    arn: targetGroupArn(scope, input.Name, newResourceId()),
    name: input.Name,
    targetType,
    protocol: input.Protocol,
    protocolVersion: http ? (input.ProtocolVersion ?? 'HTTP1') : undefined,
    port: input.Port,
    vpcId: input.VpcId,
    ipAddressType: input.IpAddressType ?? 'ipv4',
    healthCheck,
    attributes: {
      'deregistration_delay.timeout_seconds': '300',
      'stickiness.enabled': 'false',
      'stickiness.type': http ? 'lb_cookie' : 'source_ip',
      ...UNHEALTHY_STATE_ROUTING_DEFAULTS,
      ...(http
        ? {
            'stickiness.lb_cookie.duration_seconds': '86400',
            'load_balancing.algorithm.type': 'round_robin',
            'slow_start.duration_seconds': '0',
          }
        : {
            'deregistration_delay.connection_termination.enabled': 'false',
            'preserve_client_ip.enabled': 'true',
            'proxy_protocol_v2.enabled': 'false',
          }),
    },
    tags: checkTags(input.Tags),
  };
  store.targetGroups.put(tg.arn, tg);
  return { TargetGroups: [describeTargetGroup(store, tg)] };
};

const describeTargetGroups: Handler = async (
  input: { LoadBalancerArn?: string; TargetGroupArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number },
  { store },
) => {
  let groups = [...store.targetGroups.values()];
  if (input.LoadBalancerArn) {
    requireLoadBalancer(store, input.LoadBalancerArn);
    groups = groups.filter((tg) => loadBalancersOf(store, tg.arn).includes(input.LoadBalancerArn!));
  }
  if (input.TargetGroupArns?.length) {
    groups = input.TargetGroupArns.map((arn) => requireTargetGroup(store, arn));
  } else if (input.Names?.length) {
    groups = input.Names.map((name) => {
      const tg = groups.find((g) => g.name === name);
      if (!tg) throw targetGroupNotFound();
      return tg;
    });
  }
  const { page, next } = paginate(groups, input.Marker, input.PageSize);
  return { TargetGroups: page.map((tg) => describeTargetGroup(store, tg)), NextMarker: next };
};

const modifyTargetGroup: Handler = async (
  input: HealthCheckInput & { TargetGroupArn: string },
  { scope, store, plane },
) => {
  const tg = requireTargetGroup(store, input.TargetGroupArn);
  const next = { ...tg, healthCheck: healthCheckOf(tg.protocol, input, tg.healthCheck) };
  store.targetGroups.put(tg.arn, next);
  await plane.changed(scope, store);
  return { TargetGroups: [describeTargetGroup(store, next)] };
};

const deleteTargetGroup: Handler = async (input: { TargetGroupArn: string }, { scope, store, plane }) => {
  const tg = store.targetGroups.get(input.TargetGroupArn);
  if (!tg) return {};
  if (loadBalancersOf(store, tg.arn).length > 0) {
    throw new ResourceInUse(`Target group '${tg.arn}' is currently in use by a listener or a rule`);
  }
  store.transaction(() => {
    for (const [key, target] of store.targets.entries())
      if (target.targetGroupArn === tg.arn) store.targets.delete(key);
    store.targetGroups.delete(tg.arn);
  });
  await plane.changed(scope, store);
  return {};
};

const describeTargetGroupAttributes: Handler = async (input: { TargetGroupArn: string }, { store }) => ({
  // A group stored before these attributes existed has their defaults.
  Attributes: attributeList({
    ...UNHEALTHY_STATE_ROUTING_DEFAULTS,
    ...requireTargetGroup(store, input.TargetGroupArn).attributes,
  }),
});

const modifyTargetGroupAttributes: Handler = async (
  input: { TargetGroupArn: string; Attributes: { Key?: string; Value?: string }[] },
  { store },
) => {
  const tg = requireTargetGroup(store, input.TargetGroupArn);
  const attributes = modifiedAttributes(
    { ...UNHEALTHY_STATE_ROUTING_DEFAULTS, ...tg.attributes },
    input.Attributes,
    'Target group',
  );
  const delay = attributes['deregistration_delay.timeout_seconds']!;
  if (!/^\d+$/.test(delay) || Number(delay) > 3600) {
    throw new ValidationError(
      `'deregistration_delay.timeout_seconds' must be a number of seconds from 0 to 3600, not '${truncateText(delay)}'`,
    );
  }
  for (const { Key } of input.Attributes) {
    const invalid = Key && invalidRoutingAttribute(Key, attributes[Key]!);
    if (invalid) throw new ValidationError(invalid);
  }
  // Read at each request (data-plane.ts), so the next request already routes by the new attributes.
  store.targetGroups.put(tg.arn, { ...tg, attributes });
  return { Attributes: attributeList(attributes) };
};

export const TARGET_GROUP_HANDLERS: Readonly<Record<string, Handler>> = {
  CreateTargetGroup: createTargetGroup,
  DescribeTargetGroups: describeTargetGroups,
  ModifyTargetGroup: modifyTargetGroup,
  DeleteTargetGroup: deleteTargetGroup,
  DescribeTargetGroupAttributes: describeTargetGroupAttributes,
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
};
