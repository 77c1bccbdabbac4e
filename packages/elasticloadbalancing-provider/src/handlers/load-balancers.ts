import type { ElasticLoadBalancingV2Scope, Handler } from '../operations';
import type { LoadBalancerRecord, LoadBalancerType } from '../domain/records';
import { loadBalancerArn, newResourceId } from '../domain/arn';
import {
  DuplicateLoadBalancerName,
  InvalidConfigurationRequest,
  OperationNotPermitted,
  ValidationError,
  loadBalancerNotFound,
} from '../errors';
import { attributeList, checkName, checkTags, modifiedAttributes, paginate, requireLoadBalancer } from './common';
import { deleteListenerCascade } from './listeners';

/** The VPC of resources created without one: localcloud has a single local network. */
export const LOCAL_VPC_ID = 'vpc-0local0000000000';

/** ALB and NLB attributes with AWS's defaults; Modify…Attributes accepts these keys. */
const DEFAULT_ATTRIBUTES: Readonly<Record<LoadBalancerType, Readonly<Record<string, string>>>> = {
  application: {
    'access_logs.s3.enabled': 'false',
    'access_logs.s3.bucket': '',
    'access_logs.s3.prefix': '',
    'deletion_protection.enabled': 'false',
    'idle_timeout.timeout_seconds': '60',
    'routing.http.desync_mitigation_mode': 'defensive',
    'routing.http.drop_invalid_header_fields.enabled': 'false',
    'routing.http.preserve_host_header.enabled': 'false',
    'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
    'routing.http.xff_client_port.enabled': 'false',
    'routing.http.xff_header_processing.mode': 'append',
    'routing.http2.enabled': 'true',
    'waf.fail_open.enabled': 'false',
    'client_keep_alive.seconds': '3600',
  },
  network: {
    'access_logs.s3.enabled': 'false',
    'access_logs.s3.bucket': '',
    'access_logs.s3.prefix': '',
    'deletion_protection.enabled': 'false',
    'load_balancing.cross_zone.enabled': 'false',
    'dns_record.client_routing_policy': 'any_availability_zone',
  },
};

/**
 * The LB's DNS name, AWS's form under `elb.localhost`: `*.localhost` names resolve to loopback in browsers,
 * curl and systemd-resolved (docs/elasticloadbalancing-provider.md says where they do not).
 */
function dnsNameOf(name: string, id: string, scheme: string, region: string): string {
  const number = Number.parseInt(id.slice(0, 8), 16) % 10_000_000_000;
  return `${scheme === 'internal' ? 'internal-' : ''}${name}-${number}.${region}.elb.localhost`;
}

/** One availability zone per subnet, as given: `<region>a`, `<region>b`, … in the order listed. */
function availabilityZones(lb: LoadBalancerRecord) {
  return lb.subnets.map((SubnetId, i) => ({
    ZoneName: `${lb.arn.split(':')[3]}${String.fromCharCode(97 + (i % 26))}`,
    SubnetId,
    LoadBalancerAddresses: [],
  }));
}

export function describeLoadBalancer(lb: LoadBalancerRecord) {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    CreatedTime: lb.createdTime,
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: 'active' },
    Type: lb.type,
    AvailabilityZones: availabilityZones(lb),
    SecurityGroups: lb.type === 'application' ? lb.securityGroups : undefined,
    IpAddressType: lb.ipAddressType,
  };
}

interface CreateInput {
  Name: string;
  Subnets?: string[];
  SubnetMappings?: { SubnetId?: string }[];
  SecurityGroups?: string[];
  Scheme?: string;
  Tags?: { Key: string; Value?: string }[];
  Type?: string;
  IpAddressType?: string;
}

const createLoadBalancer: Handler = async (input: CreateInput, { scope, store, now }: ElasticLoadBalancingV2Scope) => {
  checkName(input.Name, 'Load balancer');
  const type = (input.Type ?? 'application') as LoadBalancerType | 'gateway';
  if (type === 'gateway') {
    throw new InvalidConfigurationRequest('Gateway load balancers are not supported by localcloud');
  }
  if (input.Subnets?.length && input.SubnetMappings?.length) {
    throw new ValidationError('You can specify subnets or subnet mappings, but not both');
  }
  const subnets = input.Subnets ?? (input.SubnetMappings ?? []).flatMap((m) => (m.SubnetId ? [m.SubnetId] : []));
  const scheme = input.Scheme ?? 'internet-facing';
  const securityGroups = type === 'application' ? (input.SecurityGroups ?? []) : [];
  const existing = [...store.loadBalancers.values()].find((lb) => lb.name === input.Name);
  if (existing) {
    // CreateLoadBalancer is idempotent: the same name with the same settings answers the existing one.
    if (existing.type === type && existing.scheme === scheme) {
      return { LoadBalancers: [describeLoadBalancer(existing)] };
    }
    throw new DuplicateLoadBalancerName(
      `A load balancer with the same name '${input.Name}' exists, but with different settings`,
    );
  }
  const id = newResourceId();
  const lb: LoadBalancerRecord = {
    arn: loadBalancerArn(scope, type, input.Name, id),
    name: input.Name,
    type,
    scheme,
    ipAddressType: input.IpAddressType ?? 'ipv4',
    dnsName: dnsNameOf(input.Name, id, scheme, scope.region),
    createdTime: now(),
    vpcId: LOCAL_VPC_ID,
    subnets,
    securityGroups,
    attributes: DEFAULT_ATTRIBUTES[type],
    tags: checkTags(input.Tags),
  };
  store.loadBalancers.put(lb.arn, lb);
  return { LoadBalancers: [describeLoadBalancer(lb)] };
};

const describeLoadBalancers: Handler = async (
  input: { LoadBalancerArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number },
  { store },
) => {
  if (input.LoadBalancerArns?.length && input.Names?.length) {
    throw new ValidationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
  }
  let lbs = [...store.loadBalancers.values()];
  if (input.LoadBalancerArns?.length) {
    lbs = input.LoadBalancerArns.map((arn) => requireLoadBalancer(store, arn));
  } else if (input.Names?.length) {
    lbs = input.Names.map((name) => {
      const lb = lbs.find((l) => l.name === name);
      if (!lb) throw loadBalancerNotFound();
      return lb;
    });
  }
  const { page, next } = paginate(lbs, input.Marker, input.PageSize);
  return { LoadBalancers: page.map(describeLoadBalancer), NextMarker: next };
};

const deleteLoadBalancer: Handler = async (input: { LoadBalancerArn: string }, { scope, store, plane }) => {
  const lb = store.loadBalancers.get(input.LoadBalancerArn);
  // Deleting a load balancer that does not exist (or no longer) succeeds, as AWS documents.
  if (!lb) return {};
  if (lb.attributes['deletion_protection.enabled'] === 'true') {
    throw new OperationNotPermitted(
      `Load balancer '${lb.arn}' cannot be deleted because deletion protection is enabled`,
    );
  }
  store.transaction(() => {
    for (const listener of store.listenersOf(lb.arn)) deleteListenerCascade(store, listener.arn);
    store.loadBalancers.delete(lb.arn);
  });
  await plane.changed(scope, store);
  return {};
};

const describeLoadBalancerAttributes: Handler = async (input: { LoadBalancerArn: string }, { store }) => ({
  Attributes: attributeList(requireLoadBalancer(store, input.LoadBalancerArn).attributes),
});

const modifyLoadBalancerAttributes: Handler = async (
  input: { LoadBalancerArn: string; Attributes: { Key?: string; Value?: string }[] },
  { store },
) => {
  const lb = requireLoadBalancer(store, input.LoadBalancerArn);
  const attributes = modifiedAttributes(lb.attributes, input.Attributes, 'Load balancer');
  store.loadBalancers.put(lb.arn, { ...lb, attributes });
  return { Attributes: attributeList(attributes) };
};

const setSecurityGroups: Handler = async (input: { LoadBalancerArn: string; SecurityGroups: string[] }, { store }) => {
  const lb = requireLoadBalancer(store, input.LoadBalancerArn);
  if (lb.type === 'network' && lb.securityGroups.length === 0 && input.SecurityGroups.length > 0) {
    throw new InvalidConfigurationRequest(
      'You cannot set security groups on a Network Load Balancer which was created without any security groups.',
    );
  }
  store.loadBalancers.put(lb.arn, { ...lb, securityGroups: input.SecurityGroups });
  return { SecurityGroupIds: input.SecurityGroups };
};

const setSubnets: Handler = async (
  input: { LoadBalancerArn: string; Subnets?: string[]; SubnetMappings?: { SubnetId?: string }[] },
  { store },
) => {
  const lb = requireLoadBalancer(store, input.LoadBalancerArn);
  const subnets = input.Subnets ?? (input.SubnetMappings ?? []).flatMap((m) => (m.SubnetId ? [m.SubnetId] : []));
  const next = { ...lb, subnets };
  store.loadBalancers.put(lb.arn, next);
  return { AvailabilityZones: availabilityZones(next), IpAddressType: next.ipAddressType };
};

export const LOAD_BALANCER_HANDLERS: Readonly<Record<string, Handler>> = {
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
  SetSecurityGroups: setSecurityGroups,
  SetSubnets: setSubnets,
};
