import { randomBytes } from 'node:crypto';
import { arnPartition } from '@localcloud/gateway';

/** What every ARN of one account and region shares. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

/** ELBv2 resource ids are 16 hex digits. */
export const newResourceId = () => randomBytes(8).toString('hex');

const prefix = ({ accountId, region }: Scope) =>
  `arn:${arnPartition(region)}:elasticloadbalancing:${region}:${accountId}`;

/** `…:loadbalancer/app/<name>/<id>` (`net` for a network load balancer), as AWS writes it. */
export const loadBalancerArn = (scope: Scope, type: 'application' | 'network', name: string, id: string) =>
  `${prefix(scope)}:loadbalancer/${type === 'network' ? 'net' : 'app'}/${name}/${id}`;

export const targetGroupArn = (scope: Scope, name: string, id: string) => `${prefix(scope)}:targetgroup/${name}/${id}`;

/** A listener's ARN extends its load balancer's: `…:listener/app/<name>/<lb id>/<id>`. */
export const listenerArn = (lbArn: string, id: string) => `${lbArn.replace(':loadbalancer/', ':listener/')}/${id}`;

/** A rule's ARN extends its listener's: `…:listener-rule/app/<name>/<lb id>/<listener id>/<id>`. */
export const ruleArn = (lisArn: string, id: string) => `${lisArn.replace(':listener/', ':listener-rule/')}/${id}`;

/** The kind of resource an ELBv2 ARN names, for tags. */
export function resourceKind(arn: string): 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule' | undefined {
  const kind = /^arn:[^:]+:elasticloadbalancing:[^:]*:\d*:([a-z-]+)\//.exec(arn)?.[1];
  return kind === 'loadbalancer' || kind === 'targetgroup' || kind === 'listener' || kind === 'listener-rule'
    ? kind
    : undefined;
}
