import type {
  CreateLogGroupRequest,
  DeleteLogGroupRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  LogGroup as LogGroupView,
  PutLogGroupDeletionProtectionRequest,
  PutRetentionPolicyRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogsScope } from '../logs-scope';
import type { LogGroup } from '../store/logs-store';
import { logGroupArn, logGroupPolicyArn, type Scope } from '../arn';
import { InvalidParameterException, ResourceAlreadyExistsException, ValidationException } from '../errors';
import {
  RETENTION_DAYS,
  checkEnum,
  checkLength,
  checkLogGroupName,
  checkLogGroupNamePattern,
  checkRange,
} from '../validation/constraints';
import { decodePageToken, encodePageToken } from '../domain/tokens';
import { findLogGroup, groupNameOfIdentifier, requireLogGroup } from './lookup';
import { checkTags } from './tags';

const LOG_GROUP_CLASSES = ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY', 'ESSENTIALS'];

export function createLogGroup(input: CreateLogGroupRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkLength('kmsKeyId', input.kmsKeyId, 0, 256);
  checkEnum('logGroupClass', input.logGroupClass, LOG_GROUP_CLASSES);
  if (input.tags !== undefined) checkTags(input.tags);
  const name = input.logGroupName!;
  if (logs.store.group(name)) throw new ResourceAlreadyExistsException('The specified log group already exists');
  logs.store.createGroup(name, logs.now, input);
  return {};
}

export function deleteLogGroup(input: DeleteLogGroupRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  const group = requireLogGroup(input.logGroupName!, logs);
  if (group.record.deletionProtectionEnabled) {
    throw new ValidationException(
      'Cannot delete log group with deletion protection enabled. Disable deletion protection first.',
    );
  }
  logs.store.deleteGroup(group);
  return {};
}

interface GroupPageToken {
  /** Name of the last group of the previous page. */
  readonly after: string;
}

export function describeLogGroups(input: DescribeLogGroupsRequest, logs: LogsScope): DescribeLogGroupsResponse {
  const { logGroupNamePrefix, logGroupNamePattern, logGroupIdentifiers } = input;
  checkRange('limit', input.limit, 1, 50);
  if (logGroupNamePrefix !== undefined) checkLogGroupName('logGroupNamePrefix', logGroupNamePrefix);
  checkLogGroupNamePattern('logGroupNamePattern', logGroupNamePattern);
  if (logGroupNamePrefix !== undefined && logGroupNamePattern !== undefined) {
    throw new InvalidParameterException(
      'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
    );
  }
  checkLength('logGroupIdentifiers', logGroupIdentifiers, 1, 50);
  checkEnum('logGroupClass', input.logGroupClass, LOG_GROUP_CLASSES);
  const identified = logGroupIdentifiers && new Set(logGroupIdentifiers.map((id) => identifierName(id, logs.scope)));
  const after = input.nextToken
    ? decodePageToken<GroupPageToken>(input.nextToken, (t) => typeof t.after === 'string').after
    : undefined;

  const matching = logs.store
    .sortedGroups()
    .filter(
      (group) =>
        (after === undefined || group.name > after) &&
        (logGroupNamePrefix === undefined || group.name.startsWith(logGroupNamePrefix)) &&
        (logGroupNamePattern === undefined || group.name.includes(logGroupNamePattern)) &&
        (identified === undefined || identified.has(group.name)) &&
        (input.logGroupClass === undefined || group.record.logGroupClass === input.logGroupClass),
    );
  const limit = input.limit ?? 50;
  const page = matching.slice(0, limit);
  // With a name pattern AWS returns only the name, creation time and ARN of each group.
  const brief = logGroupNamePattern !== undefined;
  return {
    logGroups: page.map((group) => describeGroup(group, logs.scope, brief)),
    nextToken: matching.length > limit ? encodePageToken({ after: page[page.length - 1]!.name }) : undefined,
  };
}

/** A name for a log group identifier, or one that matches nothing for an ARN of another account or region. */
function identifierName(identifier: string, scope: Scope): string {
  try {
    return groupNameOfIdentifier(identifier, scope);
  } catch {
    return '';
  }
}

export function describeGroup(group: LogGroup, scope: Scope, brief = false): LogGroupView {
  const { record } = group;
  if (brief) {
    return { logGroupName: record.name, creationTime: record.creationTime, arn: logGroupPolicyArn(scope, record.name) };
  }
  return {
    logGroupName: record.name,
    creationTime: record.creationTime,
    retentionInDays: record.retentionInDays,
    metricFilterCount: 0,
    arn: logGroupPolicyArn(scope, record.name),
    storedBytes: group.storedBytes,
    kmsKeyId: record.kmsKeyId,
    logGroupClass: record.logGroupClass as LogGroupView['logGroupClass'],
    logGroupArn: logGroupArn(scope, record.name),
    deletionProtectionEnabled: record.deletionProtectionEnabled,
  };
}

export function putRetentionPolicy(input: PutRetentionPolicyRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkEnum('retentionInDays', input.retentionInDays, RETENTION_DAYS as readonly number[]);
  const group = requireLogGroup(input.logGroupName!, logs);
  logs.store.updateGroup(group, { retentionInDays: input.retentionInDays });
  return {};
}

export function deleteRetentionPolicy(input: DeleteRetentionPolicyRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  const group = requireLogGroup(input.logGroupName!, logs);
  logs.store.updateGroup(group, { retentionInDays: undefined });
  return {};
}

export function putLogGroupDeletionProtection(
  input: PutLogGroupDeletionProtectionRequest,
  logs: LogsScope,
): Record<string, never> {
  const group = findLogGroup({ logGroupIdentifier: input.logGroupIdentifier }, logs);
  logs.store.updateGroup(group, { deletionProtectionEnabled: input.deletionProtectionEnabled });
  return {};
}
