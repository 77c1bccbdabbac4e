import { ServiceError } from '@localcloud/gateway';
import { InvalidParameterException, secretNotFound } from '../errors';
import { findSecret } from '../lookup';
import type { SecretsManagerScope } from '../operations';
import type { SecretRecord } from '../store';
import { versionsToStages } from '../versions';
import { pageOf } from './pages';
import { getSecretValue } from './secrets';

interface Filter {
  readonly Key?: string;
  readonly Values?: readonly string[];
}

/** Whether a filter value (`!` negates it) matches, by the rules AWS documents for each key. */
function matchesValue(secret: SecretRecord, region: string, key: string, value: string): boolean {
  const prefixOf = (text: string | undefined, caseSensitive: boolean) =>
    text !== undefined && (caseSensitive ? text.startsWith(value) : text.toLowerCase().startsWith(value.toLowerCase()));
  switch (key) {
    case 'name':
      return prefixOf(secret.name, true);
    case 'description':
      return prefixOf(secret.description, false);
    case 'tag-key':
      return secret.tags.some((t) => prefixOf(t.Key, true));
    case 'tag-value':
      return secret.tags.some((t) => prefixOf(t.Value, true));
    case 'primary-region':
      return prefixOf(region, true);
    case 'owning-service':
      return false; // no secret here is managed by another service
    case 'all': {
      // Every word must start a word of some attribute, case-insensitively.
      const words = [secret.name, secret.description ?? '', ...secret.tags.flatMap((t) => [t.Key ?? '', t.Value ?? ''])]
        .flatMap((text) => text.toLowerCase().split(/[\s/_.:=+@-]+/))
        .concat(secret.name.toLowerCase());
      return value
        .toLowerCase()
        .split(/\s+/)
        .filter(Boolean)
        .every((term) => words.some((w) => w.startsWith(term)));
    }
    default:
      return false;
  }
}

/** Filters AND together; a filter's values OR together, except negated ones, which must all hold. */
export function matchesFilters(secret: SecretRecord, region: string, filters: readonly Filter[]): boolean {
  return filters.every((filter) => {
    const key = filter.Key ?? '';
    const values = filter.Values ?? [];
    const positive = values.filter((v) => !v.startsWith('!'));
    const negative = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    if (negative.some((v) => matchesValue(secret, region, key, v))) return false;
    return positive.length === 0 || positive.some((v) => matchesValue(secret, region, key, v));
  });
}

function checkFilters(filters: readonly Filter[]): void {
  for (const filter of filters) {
    if (filter.Key === undefined || filter.Values === undefined || filter.Values.length === 0) {
      throw new InvalidParameterException('A filter needs a Key and at least one value in Values.');
    }
  }
}

const SORT_KEYS: Record<string, (s: SecretRecord) => number | string> = {
  'created-date': (s) => s.createdDate.getTime(),
  'last-changed-date': (s) => s.lastChangedDate.getTime(),
  'last-accessed-date': (s) => s.lastAccessedDate?.getTime() ?? 0,
  name: (s) => s.name,
};

export function listSecrets(
  input: {
    IncludePlannedDeletion?: boolean;
    MaxResults?: number;
    NextToken?: string;
    Filters?: Filter[];
    SortOrder?: 'asc' | 'desc';
    SortBy?: string;
  },
  sm: SecretsManagerScope,
) {
  const filters = input.Filters ?? [];
  checkFilters(filters);
  const sortKey = SORT_KEYS[input.SortBy ?? 'created-date']!;
  const direction = input.SortOrder === 'desc' ? -1 : 1;
  const secrets = sm.store
    .all(sm.now)
    .filter((s) => input.IncludePlannedDeletion || !s.deletionDate)
    .filter((s) => matchesFilters(s, sm.scope.region, filters))
    // A stable sort: secrets with equal keys stay in creation order, so pages never skip or repeat one.
    .sort((a, b) => {
      const x = sortKey(a);
      const y = sortKey(b);
      return (x < y ? -1 : x > y ? 1 : 0) * direction;
    });
  const page = pageOf(secrets, input.MaxResults ?? 100, input.NextToken);
  return {
    SecretList: page.items.map((s) => listEntry(s, sm.scope.region)),
    ...(page.nextToken && { NextToken: page.nextToken }),
  };
}

function listEntry(secret: SecretRecord, region: string) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.type !== undefined && { Type: secret.type }),
    ...(secret.description !== undefined && { Description: secret.description }),
    ...(secret.kmsKeyId !== undefined && { KmsKeyId: secret.kmsKeyId }),
    LastChangedDate: secret.lastChangedDate,
    ...(secret.lastAccessedDate && { LastAccessedDate: secret.lastAccessedDate }),
    ...(secret.deletedDate && { DeletedDate: secret.deletedDate }),
    ...(secret.tags.length > 0 && { Tags: secret.tags.map((t) => ({ ...t })) }),
    SecretVersionsToStages: versionsToStages(secret.versions),
    CreatedDate: secret.createdDate,
    PrimaryRegion: region,
  };
}

const BATCH_MAX = 20;

export function batchGetSecretValue(
  input: { SecretIdList?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  sm: SecretsManagerScope,
) {
  const { SecretIdList: ids, Filters: filters } = input;
  if ((ids === undefined) === (filters === undefined)) {
    throw new InvalidParameterException('Either SecretIdList or Filters must be provided, but not both.');
  }
  const maxResults = input.MaxResults ?? BATCH_MAX;
  if (maxResults < 1 || maxResults > BATCH_MAX) {
    throw new InvalidParameterException(`MaxResults must be between 1 and ${BATCH_MAX}.`);
  }
  if (ids !== undefined) {
    if (input.MaxResults !== undefined) {
      throw new InvalidParameterException('MaxResults can only be used with Filters.');
    }
    if (ids.length < 1 || ids.length > BATCH_MAX) {
      throw new InvalidParameterException(`SecretIdList must hold between 1 and ${BATCH_MAX} secret IDs.`);
    }
  }
  let secretIds: readonly string[];
  let nextToken: string | undefined;
  if (filters !== undefined) {
    checkFilters(filters);
    const matching = sm.store.all(sm.now).filter((s) => !s.deletionDate && matchesFilters(s, sm.scope.region, filters));
    const page = pageOf(matching, maxResults, input.NextToken);
    secretIds = page.items.map((s) => s.arn);
    nextToken = page.nextToken;
  } else {
    const page = pageOf(ids!, BATCH_MAX, input.NextToken);
    secretIds = page.items;
    nextToken = page.nextToken;
  }
  const SecretValues: unknown[] = [];
  const Errors: unknown[] = [];
  // Each secret succeeds or fails on its own; failures are listed, as AWS does, instead of failing the call.
  for (const secretId of secretIds) {
    try {
      if (!findSecret(secretId, sm)) throw secretNotFound();
      SecretValues.push(getSecretValue({ SecretId: secretId }, sm));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      Errors.push({ SecretId: secretId, ErrorCode: error.code, Message: error.message });
    }
  }
  return { SecretValues, Errors, ...(nextToken && { NextToken: nextToken }) };
}
