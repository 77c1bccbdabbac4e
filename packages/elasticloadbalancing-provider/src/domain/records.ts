/** What the store keeps: ELBv2 resources as the API describes them, plus what localcloud needs to serve them. */

export interface Tag {
  readonly Key: string;
  readonly Value?: string;
}

export type LoadBalancerType = 'application' | 'network';

export interface LoadBalancerRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: LoadBalancerType;
  readonly scheme: string;
  readonly ipAddressType: string;
  readonly dnsName: string;
  readonly createdTime: Date;
  readonly vpcId: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: readonly Tag[];
}

export interface HealthCheckSettings {
  readonly enabled: boolean;
  readonly protocol: string;
  /** `traffic-port` or a number as text, as the API has it. */
  readonly port: string;
  readonly path?: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** HTTP codes: `200`, `200,202`, `200-299`. */
  readonly httpCode?: string;
}

export interface TargetGroupRecord {
  readonly arn: string;
  readonly name: string;
  readonly targetType: 'instance' | 'ip' | 'lambda' | 'alb';
  readonly protocol?: string;
  readonly protocolVersion?: string;
  readonly port?: number;
  readonly vpcId?: string;
  readonly ipAddressType?: string;
  readonly healthCheck: HealthCheckSettings;
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: readonly Tag[];
}

/** An action as the API shapes it (Type, TargetGroupArn, ForwardConfig, FixedResponseConfig, RedirectConfig, Order). */
export type Action = Readonly<Record<string, unknown>> & { readonly Type: string };
/** A rule condition as the API shapes it (Field, Values, PathPatternConfig, HostHeaderConfig, …). */
export type Condition = Readonly<Record<string, unknown>>;

export interface ListenerRecord {
  readonly arn: string;
  readonly loadBalancerArn: string;
  readonly port: number;
  readonly protocol: string;
  readonly defaultActions: readonly Action[];
  readonly certificates?: readonly Readonly<Record<string, unknown>>[];
  readonly sslPolicy?: string;
  readonly alpnPolicy?: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: readonly Tag[];
}

export interface RuleRecord {
  readonly arn: string;
  readonly listenerArn: string;
  /** A number, or `default` for the listener's default rule (its actions are the listener's). */
  readonly priority: number | 'default';
  readonly conditions: readonly Condition[];
  readonly actions: readonly Action[];
  readonly tags: readonly Tag[];
}

export interface TargetRecord {
  readonly targetGroupArn: string;
  readonly id: string;
  readonly port: number;
  readonly availabilityZone?: string;
  /** Set by DeregisterTargets: the target drains until then, and is removed after. */
  readonly drainingUntil?: Date;
}

export const targetKey = (targetGroupArn: string, id: string, port: number) => `${targetGroupArn}|${id}|${port}`;
