import type { EcrScope } from '../ecr-scope';
import {
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  LifecyclePolicyPreviewNotFoundException,
  RepositoryPolicyNotFoundException,
} from '../errors';
import { expiredImages, LifecyclePolicyInvalid, parseLifecyclePolicy } from '../lifecycle/rules';
import { listImages, partsOfIndexes } from '../registry/images';
import type { LifecyclePreview } from '../store';
import { paginate, requireRepository } from './repositories';

type RepositoryInput = { registryId?: string; repositoryName: string };

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const policyNotFound = (ctx: EcrScope, name: string) =>
  new RepositoryPolicyNotFoundException(
    `Repository policy does not exist for the repository with name '${name}' in the registry with id '${ctx.scope.accountId}'`,
  );

const lifecycleNotFound = (ctx: EcrScope, name: string) =>
  new LifecyclePolicyNotFoundException(
    `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${ctx.scope.accountId}'`,
  );

export function setRepositoryPolicy(input: RepositoryInput & { policyText: string; force?: boolean }, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  const policy = parseObject(input.policyText);
  if (!policy || !('Statement' in policy)) {
    throw new InvalidParameterException(
      "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'",
    );
  }
  ctx.store.repositories.put(record.repositoryName, { ...record, policyText: input.policyText });
  return { registryId: ctx.scope.accountId, repositoryName: record.repositoryName, policyText: input.policyText };
}

export function getRepositoryPolicy(input: RepositoryInput, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  if (record.policyText === undefined) throw policyNotFound(ctx, record.repositoryName);
  return { registryId: ctx.scope.accountId, repositoryName: record.repositoryName, policyText: record.policyText };
}

export function deleteRepositoryPolicy(input: RepositoryInput, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  if (record.policyText === undefined) throw policyNotFound(ctx, record.repositoryName);
  const { policyText, ...rest } = record;
  ctx.store.repositories.put(record.repositoryName, rest);
  return { registryId: ctx.scope.accountId, repositoryName: record.repositoryName, policyText };
}

/** The policy's rules, or ECR's InvalidParameterException naming what is wrong. */
function checkLifecyclePolicy(text: string) {
  try {
    return parseLifecyclePolicy(text);
  } catch (error) {
    if (!(error instanceof LifecyclePolicyInvalid)) throw error;
    throw new InvalidParameterException(
      `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${error.message}'`,
    );
  }
}

export async function putLifecyclePolicy(input: RepositoryInput & { lifecyclePolicyText: string }, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  checkLifecyclePolicy(input.lifecyclePolicyText);
  const { lifecycleEvaluatedAt: _evaluated, ...rest } = record;
  ctx.store.repositories.put(record.repositoryName, {
    ...rest,
    lifecyclePolicyText: input.lifecyclePolicyText,
    lifecycleUpdatedAt: ctx.now,
  });
  // ECR applies a new policy within a day; localcloud at once (a failure is logged, the policy stays set).
  await ctx.applyLifecycle(record.repositoryName);
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    lifecyclePolicyText: input.lifecyclePolicyText,
  };
}

export function getLifecyclePolicy(input: RepositoryInput, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  if (record.lifecyclePolicyText === undefined) throw lifecycleNotFound(ctx, record.repositoryName);
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    lifecyclePolicyText: record.lifecyclePolicyText,
    lastEvaluatedAt: record.lifecycleEvaluatedAt ?? record.lifecycleUpdatedAt,
  };
}

export function deleteLifecyclePolicy(input: RepositoryInput, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  if (record.lifecyclePolicyText === undefined) throw lifecycleNotFound(ctx, record.repositoryName);
  const { lifecyclePolicyText, lifecycleUpdatedAt, lifecycleEvaluatedAt, ...rest } = record;
  ctx.store.repositories.put(record.repositoryName, rest);
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    lifecyclePolicyText,
    lastEvaluatedAt: lifecycleEvaluatedAt ?? lifecycleUpdatedAt,
  };
}

/** Which images a policy (the given one, else the repository's) would expire now; computed at once. */
export async function startLifecyclePolicyPreview(
  input: RepositoryInput & { lifecyclePolicyText?: string },
  ctx: EcrScope,
) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  const text = input.lifecyclePolicyText ?? record.lifecyclePolicyText;
  if (text === undefined) throw lifecycleNotFound(ctx, record.repositoryName);
  const rules = checkLifecyclePolicy(text);
  const images = await listImages(ctx, record.repositoryName);
  const parts = partsOfIndexes(images);
  const expired = expiredImages(
    rules,
    images.filter((image) => !parts.has(image.digest)),
    ctx.now,
  );
  const preview: LifecyclePreview = {
    lifecyclePolicyText: text,
    results: expired.map(({ image, rulePriority }) => ({
      imageDigest: image.digest,
      imageTags: [...image.tags],
      imagePushedAt: image.pushedAt,
      appliedRulePriority: rulePriority,
    })),
  };
  const latest = ctx.store.repository(record.repositoryName) ?? record;
  ctx.store.repositories.put(record.repositoryName, { ...latest, lifecyclePreview: preview });
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    lifecyclePolicyText: text,
    status: 'COMPLETE',
  };
}

export function getLifecyclePolicyPreview(
  input: RepositoryInput & {
    imageIds?: { imageDigest?: string; imageTag?: string }[];
    nextToken?: string;
    maxResults?: number;
    filter?: { tagStatus?: 'ANY' | 'TAGGED' | 'UNTAGGED' };
  },
  ctx: EcrScope,
) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  const preview = record.lifecyclePreview;
  if (!preview) {
    throw new LifecyclePolicyPreviewNotFoundException(
      `Lifecycle policy preview request does not exist for the repository with name '${record.repositoryName}' in the registry with id '${ctx.scope.accountId}'`,
    );
  }
  if (input.imageIds && (input.nextToken !== undefined || input.maxResults !== undefined)) {
    throw new InvalidParameterException('Cannot specify imageIds together with maxResults or nextToken');
  }
  const status = input.filter?.tagStatus ?? 'ANY';
  const results = preview.results.filter(
    (r) =>
      (status === 'ANY' || (status === 'TAGGED') === r.imageTags.length > 0) &&
      (!input.imageIds ||
        input.imageIds.some(
          (id) =>
            (id.imageDigest === undefined || id.imageDigest === r.imageDigest) &&
            (id.imageTag === undefined || r.imageTags.includes(id.imageTag)) &&
            (id.imageDigest !== undefined || id.imageTag !== undefined),
        )),
  );
  const { page, nextToken } = paginate(results, input.nextToken, input.maxResults ?? 100);
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    lifecyclePolicyText: preview.lifecyclePolicyText,
    status: 'COMPLETE',
    previewResults: page.map((r) => ({
      ...(r.imageTags.length > 0 ? { imageTags: r.imageTags } : {}),
      imageDigest: r.imageDigest,
      imagePushedAt: r.imagePushedAt,
      action: { type: 'EXPIRE' },
      appliedRulePriority: r.appliedRulePriority,
    })),
    summary: { expiringImageTotalCount: preview.results.length },
    ...(nextToken ? { nextToken } : {}),
  };
}
