import type { EcrScope } from '../ecr-scope';
import {
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  RepositoryPolicyNotFoundException,
} from '../errors';
import { requireRepository } from './repositories';

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

/** ECR's lifecycle policy shape: rules with a unique priority, a selection and an `expire` action. */
function checkLifecyclePolicy(text: string): void {
  const fail = (why: string) =>
    new InvalidParameterException(
      `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${why}'`,
    );
  const policy = parseObject(text);
  if (!policy) throw fail('the policy is not a JSON object');
  const rules = policy.rules;
  if (!Array.isArray(rules) || rules.length === 0) throw fail('object has missing required properties (["rules"])');
  const priorities = new Set<number>();
  for (const rule of rules as Record<string, unknown>[]) {
    const priority = rule?.rulePriority;
    if (!Number.isInteger(priority) || (priority as number) < 1) throw fail('rulePriority must be a positive integer');
    if (priorities.has(priority as number)) throw fail(`rulePriority ${String(priority)} is used more than once`);
    priorities.add(priority as number);
    const selection = rule.selection as Record<string, unknown> | undefined;
    if (!selection || typeof selection !== 'object')
      throw fail('object has missing required properties (["selection"])');
    if (!['tagged', 'untagged', 'any'].includes(String(selection.tagStatus))) {
      throw fail(`tagStatus ${String(selection.tagStatus)} is not one of tagged, untagged, any`);
    }
    if (!['imageCountMoreThan', 'sinceImagePushed'].includes(String(selection.countType))) {
      throw fail(`countType ${String(selection.countType)} is not one of imageCountMoreThan, sinceImagePushed`);
    }
    if (!Number.isInteger(selection.countNumber) || (selection.countNumber as number) < 1) {
      throw fail('countNumber must be a positive integer');
    }
    if ((rule.action as { type?: unknown } | undefined)?.type !== 'expire') throw fail('action type must be expire');
  }
}

export function putLifecyclePolicy(input: RepositoryInput & { lifecyclePolicyText: string }, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  checkLifecyclePolicy(input.lifecyclePolicyText);
  ctx.store.repositories.put(record.repositoryName, {
    ...record,
    lifecyclePolicyText: input.lifecyclePolicyText,
    lifecycleUpdatedAt: ctx.now,
  });
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
    // Rules are stored, not evaluated: this is when the policy was set.
    lastEvaluatedAt: record.lifecycleUpdatedAt,
  };
}

export function deleteLifecyclePolicy(input: RepositoryInput, ctx: EcrScope) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  if (record.lifecyclePolicyText === undefined) throw lifecycleNotFound(ctx, record.repositoryName);
  const { lifecyclePolicyText, lifecycleUpdatedAt, ...rest } = record;
  ctx.store.repositories.put(record.repositoryName, rest);
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    lifecyclePolicyText,
    lastEvaluatedAt: lifecycleUpdatedAt,
  };
}
