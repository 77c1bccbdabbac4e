/** A target's health as DescribeTargetHealth reports it. */
export interface TargetHealthDescription {
  readonly State: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';
  readonly Reason?: string;
  readonly Description?: string;
}

/** AWS's reason codes and descriptions, one place. */
export const HEALTH = {
  registering: {
    State: 'initial',
    Reason: 'Elb.RegistrationInProgress',
    Description: 'Target registration is in progress',
  },
  initialChecks: {
    State: 'initial',
    Reason: 'Elb.InitialHealthChecking',
    Description: 'Initial health checks in progress',
  },
  healthy: { State: 'healthy' },
  notInUse: {
    State: 'unused',
    Reason: 'Target.NotInUse',
    Description: 'Target group is not configured to receive traffic from the load balancer',
  },
  notRegistered: {
    State: 'unused',
    Reason: 'Target.NotRegistered',
    Description: 'Target is not registered to the target group',
  },
  draining: {
    State: 'draining',
    Reason: 'Target.DeregistrationInProgress',
    Description: 'Target deregistration is in progress',
  },
  disabled: {
    State: 'unavailable',
    Reason: 'Target.HealthCheckDisabled',
    Description: 'Health checks are disabled',
  },
  timeout: { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' },
  failed: { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' },
} as const satisfies Record<string, TargetHealthDescription>;

/** `Target.ResponseCodeMismatch`, naming the code the target answered. */
export const codeMismatch = (code: number): TargetHealthDescription => ({
  State: 'unhealthy',
  Reason: 'Target.ResponseCodeMismatch',
  Description: `Health checks failed with these codes: [${code}]`,
});
