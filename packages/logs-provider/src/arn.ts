/** The one place CloudWatch Logs ARNs are built and parsed. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

/** `arn:aws:logs:<region>:<account>:log-group:<name>`: the form tagging APIs and logGroupIdentifier take. */
export function logGroupArn(scope: Scope, name: string): string {
  return `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:${name}`;
}

/** The form with a trailing `:*` that DescribeLogGroups returns as `arn`, for IAM policies. */
export function logGroupPolicyArn(scope: Scope, name: string): string {
  return `${logGroupArn(scope, name)}:*`;
}

export function logStreamArn(scope: Scope, group: string, stream: string): string {
  return `${logGroupArn(scope, group)}:log-stream:${stream}`;
}

export interface ParsedLogGroupArn {
  readonly region: string;
  readonly accountId: string;
  readonly logGroupName: string;
}

/** Parses a log group ARN, with or without the trailing `:*`; undefined when the string is not one. */
export function parseLogGroupArn(value: string): ParsedLogGroupArn | undefined {
  const match = /^arn:aws[a-z-]*:logs:([^:]*):([^:]*):log-group:([^:]+)(?::\*)?$/.exec(value);
  if (!match) return undefined;
  return { region: match[1]!, accountId: match[2]!, logGroupName: match[3]! };
}

export function isArn(value: string): boolean {
  return value.startsWith('arn:');
}
