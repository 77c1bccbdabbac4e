import { ARN_PARTITION_PATTERN, quoted } from '@localcloud/gateway';
import type { EcrScope } from '../ecr-scope';
import { InvalidParameterException, repositoryNotFound } from '../errors';
import { checkTags } from './repositories';
import type { RepositoryRecord } from '../store';

const REPOSITORY_ARN = new RegExp(`^arn:${ARN_PARTITION_PATTERN}:ecr:([a-z0-9-]+):([0-9]{12}):repository/(.+)$`);

/** The repository a resource ARN names, in the caller's account and region. */
function repositoryOf(arn: string, ctx: EcrScope): RepositoryRecord {
  const match = REPOSITORY_ARN.exec(arn);
  if (!match) {
    throw new InvalidParameterException(
      `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN ${quoted(arn)}'`,
    );
  }
  const [, region, accountId, name] = match as unknown as [string, string, string, string];
  if (region !== ctx.scope.region || accountId !== ctx.scope.accountId) throw repositoryNotFound(name, accountId);
  const record = ctx.store.repository(name);
  if (!record) throw repositoryNotFound(name, accountId);
  return record;
}

export function listTagsForResource(input: { resourceArn: string }, ctx: EcrScope) {
  return { tags: repositoryOf(input.resourceArn, ctx).tags };
}

export function tagResource(input: { resourceArn: string; tags: { Key?: string; Value?: string }[] }, ctx: EcrScope) {
  const record = repositoryOf(input.resourceArn, ctx);
  const merged = new Map(record.tags.map((t) => [t.Key, t.Value]));
  for (const tag of input.tags) merged.set(tag.Key ?? '', tag.Value ?? '');
  const tags = checkTags([...merged].map(([Key, Value]) => ({ Key, Value })));
  ctx.store.repositories.put(record.repositoryName, { ...record, tags });
  return {};
}

export function untagResource(input: { resourceArn: string; tagKeys: string[] }, ctx: EcrScope) {
  const record = repositoryOf(input.resourceArn, ctx);
  const remove = new Set(input.tagKeys);
  ctx.store.repositories.put(record.repositoryName, { ...record, tags: record.tags.filter((t) => !remove.has(t.Key)) });
  return {};
}
