import { arnPartition } from '@localcloud/gateway';
import {
  InvalidParameterException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  TooManyTagsException,
  repositoryNotFound,
} from '../errors';
import { registryPath } from '../image-uri';
import type { EcrScope } from '../ecr-scope';
import type { RepositoryRecord } from '../store';
import { listImages } from '../registry/images';

export const MAX_TAGS = 50;

/** The repository or RepositoryNotFoundException. */
export function requireRepository(ctx: EcrScope, name: string, registryId?: string): RepositoryRecord {
  checkRegistryId(ctx, registryId);
  const record = ctx.store.repository(name);
  if (!record) throw repositoryNotFound(name, ctx.scope.accountId);
  return record;
}

/** A registryId other than the caller's own names a registry localcloud does not share across accounts. */
export function checkRegistryId(ctx: EcrScope, registryId: string | undefined): void {
  if (registryId !== undefined && registryId !== ctx.scope.accountId) {
    throw new InvalidParameterException(
      `Invalid parameter at 'registryId' failed to satisfy constraint: 'registryId ${registryId} is not the caller's registry ${ctx.scope.accountId}'`,
    );
  }
}

export function repositoryArn(ctx: EcrScope, name: string): string {
  return `arn:${arnPartition(ctx.scope.region)}:ecr:${ctx.scope.region}:${ctx.scope.accountId}:repository/${name}`;
}

export function repositoryUri(ctx: EcrScope, name: string): string {
  return `${ctx.registry.host}/${registryPath(ctx.scope.accountId, ctx.scope.region, name)}`;
}

export function repositoryView(ctx: EcrScope, record: RepositoryRecord) {
  return {
    repositoryArn: repositoryArn(ctx, record.repositoryName),
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    repositoryUri: repositoryUri(ctx, record.repositoryName),
    createdAt: record.createdAt,
    imageTagMutability: record.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: record.scanOnPush },
    encryptionConfiguration: {
      encryptionType: record.encryptionType,
      ...(record.kmsKey ? { kmsKey: record.kmsKey } : {}),
    },
  };
}

export function checkTags(tags: readonly { Key?: string; Value?: string }[]): { Key: string; Value: string }[] {
  if (tags.length > MAX_TAGS) throw new TooManyTagsException(`Tag limit of ${MAX_TAGS} exceeded`);
  return tags.map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
}

interface CreateRepositoryInput {
  registryId?: string;
  repositoryName: string;
  tags?: { Key?: string; Value?: string }[];
  imageTagMutability?: string;
  imageTagMutabilityExclusionFilters?: unknown[];
  imageScanningConfiguration?: { scanOnPush?: boolean };
  encryptionConfiguration?: { encryptionType?: string; kmsKey?: string };
}

export function createRepository(input: CreateRepositoryInput, ctx: EcrScope) {
  checkRegistryId(ctx, input.registryId);
  const name = input.repositoryName;
  if (ctx.store.repository(name)) {
    throw new RepositoryAlreadyExistsException(
      `The repository with name '${name}' already exists in the registry with id '${ctx.scope.accountId}'`,
    );
  }
  const mutability = input.imageTagMutability ?? 'MUTABLE';
  if (mutability.endsWith('_WITH_EXCLUSION')) {
    // Exclusion filters are a 2025 addition localcloud does not apply; refusing beats ignoring them.
    throw new InvalidParameterException(`imageTagMutability ${mutability} is not supported by localcloud yet`);
  }
  const encryption = input.encryptionConfiguration ?? {};
  const encryptionType = encryption.encryptionType ?? 'AES256';
  if (encryptionType === 'AES256' && encryption.kmsKey) {
    throw new InvalidParameterException(
      "Invalid parameter at 'encryptionConfiguration' failed to satisfy constraint: 'KMS key must not be specified when encryption type is AES256'",
    );
  }
  const kmsKey =
    encryptionType === 'AES256'
      ? undefined
      : (encryption.kmsKey ??
        `arn:${arnPartition(ctx.scope.region)}:kms:${ctx.scope.region}:${ctx.scope.accountId}:alias/aws/ecr`);
  const record: RepositoryRecord = {
    repositoryName: name,
    createdAt: ctx.now,
    imageTagMutability: mutability,
    scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
    encryptionType,
    ...(kmsKey ? { kmsKey } : {}),
    tags: checkTags(input.tags ?? []),
  };
  ctx.store.repositories.put(name, record);
  return { repository: repositoryView(ctx, record) };
}

export function describeRepositories(
  input: { registryId?: string; repositoryNames?: string[]; nextToken?: string; maxResults?: number },
  ctx: EcrScope,
) {
  checkRegistryId(ctx, input.registryId);
  if (input.repositoryNames && (input.nextToken !== undefined || input.maxResults !== undefined)) {
    throw new InvalidParameterException('Cannot specify repositoryNames together with maxResults or nextToken');
  }
  let records: RepositoryRecord[];
  if (input.repositoryNames) {
    records = input.repositoryNames.map((name) => requireRepository(ctx, name));
  } else {
    records = [...ctx.store.repositories.values()]
      .map((r) => r.repositoryName)
      .sort()
      .map((name) => ctx.store.repository(name)!);
  }
  const { page, nextToken } = paginate(records, input.nextToken, input.maxResults ?? 1000);
  return { repositories: page.map((r) => repositoryView(ctx, r)), ...(nextToken ? { nextToken } : {}) };
}

export async function deleteRepository(
  input: { registryId?: string; repositoryName: string; force?: boolean },
  ctx: EcrScope,
) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  const path = registryPath(ctx.scope.accountId, ctx.scope.region, record.repositoryName);
  const images = await listImages(ctx, record.repositoryName);
  if (images.length > 0 && !input.force) {
    throw new RepositoryNotEmptyException(
      `The repository with name '${record.repositoryName}' in registry with id '${ctx.scope.accountId}' cannot be deleted because it still contains images`,
    );
  }
  ctx.registry.removeRepositoryStorage(path);
  const view = repositoryView(ctx, record);
  ctx.store.deleteRepository(record.repositoryName);
  return { repository: view };
}

export function putImageTagMutability(
  input: { registryId?: string; repositoryName: string; imageTagMutability: string },
  ctx: EcrScope,
) {
  const record = requireRepository(ctx, input.repositoryName, input.registryId);
  if (input.imageTagMutability.endsWith('_WITH_EXCLUSION')) {
    throw new InvalidParameterException(
      `imageTagMutability ${input.imageTagMutability} is not supported by localcloud yet`,
    );
  }
  ctx.store.repositories.put(record.repositoryName, { ...record, imageTagMutability: input.imageTagMutability });
  return {
    registryId: ctx.scope.accountId,
    repositoryName: record.repositoryName,
    imageTagMutability: input.imageTagMutability,
  };
}

/** Opaque page tokens: the offset of the next item. */
export function paginate<T>(items: readonly T[], token: string | undefined, max: number) {
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length) {
      throw new InvalidParameterException(
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid token'",
      );
    }
  }
  const page = items.slice(start, start + max);
  const next = start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { page, nextToken: next };
}
