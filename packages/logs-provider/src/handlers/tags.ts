import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  ListTagsLogGroupRequest,
  ListTagsLogGroupResponse,
  TagLogGroupRequest,
  TagResourceRequest,
  UntagLogGroupRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogsScope } from '../logs-scope';
import type { LogGroup } from '../store/logs-store';
import { parseLogGroupArn } from '../arn';
import { InvalidParameterException, TooManyTagsException, constraintViolation, logGroupNotFound } from '../errors';
import { checkLength, checkLogGroupName } from '../validation/constraints';
import { requireLogGroup } from './lookup';

const MAX_TAGS = 50;
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tag keys and values as the model constrains them; `aws:` keys are reserved. */
export function checkTags(tags: Readonly<Record<string, string>>, path = 'tags'): void {
  const entries = Object.entries(tags);
  checkLength(path, entries, 1, MAX_TAGS);
  for (const [key, value] of entries) {
    checkLength(`${path}.${key}.member.key`, key, 1, 128);
    if (!TAG_KEY.test(key)) {
      throw constraintViolation(
        `${path}.${key}.member.key`,
        key,
        'Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+$',
      );
    }
    checkLength(`${path}.${key}.member.value`, value, 0, 256);
    if (!TAG_VALUE.test(value)) {
      throw constraintViolation(
        `${path}.${key}.member.value`,
        value,
        'Member must satisfy regular expression pattern: ^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$',
      );
    }
  }
}

function addTags(group: LogGroup, tags: Readonly<Record<string, string>>, logs: LogsScope): void {
  const merged = { ...group.record.tags, ...tags };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw new TooManyTagsException(`A resource can have no more than ${MAX_TAGS} tags.`);
  }
  logs.store.updateGroup(group, { tags: merged });
}

function removeTags(group: LogGroup, keys: readonly string[], logs: LogsScope): void {
  const remaining = { ...group.record.tags };
  for (const key of keys) delete remaining[key];
  logs.store.updateGroup(group, { tags: remaining });
}

/** The log group a tagging API's `resourceArn` names, in the caller's account and region. */
function groupOfResourceArn(resourceArn: string, logs: LogsScope): LogGroup {
  checkLength('resourceArn', resourceArn, 1, 1011);
  const arn = parseLogGroupArn(resourceArn);
  if (!arn) {
    throw new InvalidParameterException(
      `Invalid resource ARN '${resourceArn}': localcloud tags log groups (arn:aws:logs:<region>:<account>:log-group:<name>).`,
    );
  }
  const group =
    arn.accountId === logs.scope.accountId && arn.region === logs.scope.region
      ? logs.store.group(arn.logGroupName)
      : undefined;
  if (!group) throw logGroupNotFound();
  return group;
}

export function tagResource(input: TagResourceRequest, logs: LogsScope): Record<string, never> {
  const group = groupOfResourceArn(input.resourceArn!, logs);
  checkTags(input.tags!);
  addTags(group, input.tags!, logs);
  return {};
}

export function untagResource(input: UntagResourceRequest, logs: LogsScope): Record<string, never> {
  const group = groupOfResourceArn(input.resourceArn!, logs);
  checkLength('tagKeys', input.tagKeys, 0, MAX_TAGS);
  removeTags(group, input.tagKeys!, logs);
  return {};
}

export function listTagsForResource(input: ListTagsForResourceRequest, logs: LogsScope): ListTagsForResourceResponse {
  return { tags: { ...groupOfResourceArn(input.resourceArn!, logs).record.tags } };
}

/** Deprecated by AWS in favour of TagResource, still widely used. */
export function tagLogGroup(input: TagLogGroupRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkTags(input.tags!);
  addTags(requireLogGroup(input.logGroupName!, logs), input.tags!, logs);
  return {};
}

export function untagLogGroup(input: UntagLogGroupRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkLength('tags', input.tags, 1, MAX_TAGS);
  removeTags(requireLogGroup(input.logGroupName!, logs), input.tags!, logs);
  return {};
}

export function listTagsLogGroup(input: ListTagsLogGroupRequest, logs: LogsScope): ListTagsLogGroupResponse {
  checkLogGroupName('logGroupName', input.logGroupName);
  return { tags: { ...requireLogGroup(input.logGroupName!, logs).record.tags } };
}
