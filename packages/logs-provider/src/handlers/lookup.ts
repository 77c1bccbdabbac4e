import type { LogsScope } from '../logs-scope';
import type { LogGroup, LogStream } from '../store/logs-store';
import { isArn, parseLogGroupArn } from '../arn';
import { InvalidParameterException, logGroupNotFound, logStreamNotFound } from '../errors';
import { checkLength, checkLogGroupName } from '../validation/constraints';

/** The log group a request names, by `logGroupName` or by `logGroupIdentifier` (a name or an ARN). */
export function findLogGroup(
  input: { logGroupName?: string; logGroupIdentifier?: string },
  { store, scope }: LogsScope,
): LogGroup {
  const { logGroupName, logGroupIdentifier } = input;
  if (logGroupName !== undefined && logGroupIdentifier !== undefined) {
    throw new InvalidParameterException(
      'logGroupName and logGroupIdentifier are mutually exclusive: specify one of them.',
    );
  }
  if (logGroupName === undefined && logGroupIdentifier === undefined) {
    throw new InvalidParameterException('Either logGroupName or logGroupIdentifier must be specified.');
  }
  let name: string;
  if (logGroupName !== undefined) {
    checkLogGroupName('logGroupName', logGroupName);
    name = logGroupName;
  } else {
    checkLength('logGroupIdentifier', logGroupIdentifier, 1, 2048);
    name = groupNameOfIdentifier(logGroupIdentifier!, scope);
  }
  return requireLogGroup(name, { store });
}

/** A log group name, or the name in a log group ARN of the caller's account and region. */
export function groupNameOfIdentifier(identifier: string, scope: { accountId: string; region: string }): string {
  if (!isArn(identifier)) return identifier;
  const arn = parseLogGroupArn(identifier);
  if (!arn || arn.accountId !== scope.accountId || arn.region !== scope.region) throw logGroupNotFound();
  return arn.logGroupName;
}

export function requireLogGroup(name: string, { store }: Pick<LogsScope, 'store'>): LogGroup {
  const group = store.group(name);
  if (!group) throw logGroupNotFound();
  return group;
}

export function requireLogStream(group: LogGroup, name: string): LogStream {
  const stream = group.streams.get(name);
  if (!stream) throw logStreamNotFound();
  return stream;
}
