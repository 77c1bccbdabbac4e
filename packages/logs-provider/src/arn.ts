import { ARN_PARTITION_PATTERN, arnPartition } from '@localcloud/gateway';

/** The one place CloudWatch Logs ARNs are built and parsed. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

/** `arn:<partition>:logs:<region>:<account>:log-group:<name>`: the form tagging APIs and logGroupIdentifier take. */
export function logGroupArn(scope: Scope, name: string): string {
  return `arn:${arnPartition(scope.region)}:logs:${scope.region}:${scope.accountId}:log-group:${name}`;
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

const LOG_GROUP_ARN = new RegExp(`^arn:${ARN_PARTITION_PATTERN}:logs:([^:]*):([^:]*):log-group:([^:]+)(?::\\*)?$`);

/** Parses a log group ARN of any partition, with or without the trailing `:*`; undefined when the string is not one. */
export function parseLogGroupArn(value: string): ParsedLogGroupArn | undefined {
  const match = LOG_GROUP_ARN.exec(value);
  if (!match) return undefined;
  return { region: match[1]!, accountId: match[2]!, logGroupName: match[3]! };
}

export function isArn(value: string): boolean {
  return value.startsWith('arn:');
}
