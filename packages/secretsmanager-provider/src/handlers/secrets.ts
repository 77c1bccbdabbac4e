import { randomUUID } from 'node:crypto';
import { NotImplementedError } from '@localcloud/gateway';
import { newSecretArn } from '../arn';
import {
  InvalidParameterException,
  InvalidRequestException,
  ResourceExistsException,
  markedForDeletion,
  valueNotFound,
} from '../errors';
import { requireActiveSecret, requireSecret } from '../lookup';
import type { SecretsManagerScope } from '../operations';
import type { SecretRecord, SecretValue, Tag } from '../store';
import { AWSCURRENT, moveStage, pruneVersions, versionsToStages } from '../versions';

interface ValueInput {
  readonly SecretString?: string;
  readonly SecretBinary?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The value a request carries, if any; both kinds at once is refused as AWS does. */
function valueOf(input: ValueInput): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new InvalidParameterException(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (input.SecretString !== undefined) return { secretString: input.SecretString };
  if (input.SecretBinary !== undefined) return { secretBinary: input.SecretBinary };
  return undefined;
}

const sameValue = (a: SecretValue | undefined, b: SecretValue) =>
  a !== undefined && a.secretString === b.secretString && a.secretBinary === b.secretBinary;

/** The secret with a new version holding `stages`; AWSCURRENT and the other labels move to it. */
function withNewVersion(secret: SecretRecord, versionId: string, stages: readonly string[], now: number): SecretRecord {
  let versions = { ...secret.versions, [versionId]: { createdDate: new Date(now), stages: [] } };
  for (const stage of stages) versions = { ...moveStage(versions, stage, versionId) };
  return { ...secret, versions: pruneVersions(versions), lastChangedDate: new Date(now) };
}

export function createSecret(
  input: ValueInput & {
    Name: string;
    ClientRequestToken?: string;
    Description?: string;
    KmsKeyId?: string;
    Tags?: Tag[];
    AddReplicaRegions?: unknown[];
    Type?: string;
  },
  sm: SecretsManagerScope,
) {
  const value = valueOf(input);
  if (input.AddReplicaRegions !== undefined) {
    throw new NotImplementedError('localcloud does not replicate secrets to other regions (AddReplicaRegions).');
  }
  const versionId = input.ClientRequestToken ?? randomUUID();
  const existing = sm.store.named(input.Name, sm.now);
  if (existing) {
    if (existing.deletionDate) {
      throw new InvalidRequestException(
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    // A retried CreateSecret (same token, same value) succeeds again, as the idempotency token promises.
    if (value && existing.versions[versionId] && sameValue(sm.store.value(existing.arn, versionId), value)) {
      return { ARN: existing.arn, Name: existing.name, VersionId: versionId };
    }
    throw new ResourceExistsException(`The operation failed because the secret ${input.Name} already exists.`);
  }
  checkTags(input.Tags ?? []);
  const created = new Date(sm.now);
  let secret: SecretRecord = {
    arn: newSecretArn(sm.scope, input.Name),
    name: input.Name,
    ...(input.Description !== undefined && { description: input.Description }),
    ...(input.KmsKeyId !== undefined && { kmsKeyId: input.KmsKeyId }),
    ...(input.Type !== undefined && { type: input.Type }),
    tags: input.Tags ?? [],
    createdDate: created,
    lastChangedDate: created,
    versions: {},
  };
  if (value) secret = withNewVersion(secret, versionId, [AWSCURRENT], sm.now);
  sm.store.save(secret, value ? { [versionId]: value } : {});
  return { ARN: secret.arn, Name: secret.name, ...(value && { VersionId: versionId }) };
}

export function getSecretValue(
  input: { SecretId: string; VersionId?: string; VersionStage?: string },
  sm: SecretsManagerScope,
) {
  const secret = requireActiveSecret(input.SecretId, sm);
  let versionId: string | undefined;
  if (input.VersionId !== undefined) {
    if (!secret.versions[input.VersionId]) throw valueNotFound('VersionId', input.VersionId);
    if (input.VersionStage !== undefined && !secret.versions[input.VersionId]!.stages.includes(input.VersionStage)) {
      throw new InvalidParameterException(
        `You provided a VersionStage that is not associated to the provided VersionId.`,
      );
    }
    versionId = input.VersionId;
  } else {
    const stage = input.VersionStage ?? AWSCURRENT;
    versionId = Object.keys(secret.versions).find((id) => secret.versions[id]!.stages.includes(stage));
    if (versionId === undefined) throw valueNotFound('staging label', stage);
  }
  const version = secret.versions[versionId]!;
  const value = sm.store.value(secret.arn, versionId) ?? {};
  touch(secret, sm);
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: versionId,
    ...(value.secretString !== undefined && { SecretString: value.secretString }),
    ...(value.secretBinary !== undefined && { SecretBinary: value.secretBinary }),
    VersionStages: [...version.stages],
    CreatedDate: version.createdDate,
  };
}

/** Records the access date at AWS's precision (the day), so reads cost a durable write once a day at most. */
function touch(secret: SecretRecord, sm: SecretsManagerScope): void {
  const today = Math.floor(sm.now / DAY_MS) * DAY_MS;
  if (secret.lastAccessedDate?.getTime() === today) return;
  sm.store.save({ ...secret, lastAccessedDate: new Date(today) });
}

export function describeSecret(input: { SecretId: string }, sm: SecretsManagerScope) {
  const secret = requireSecret(input.SecretId, sm);
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
    VersionIdsToStages: versionsToStages(secret.versions),
    CreatedDate: secret.createdDate,
  };
}

export function deleteSecret(
  input: { SecretId: string; RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean },
  sm: SecretsManagerScope,
) {
  if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
    throw new InvalidParameterException(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  const days = input.RecoveryWindowInDays ?? 30;
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    throw new InvalidParameterException('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  const secret = requireSecret(input.SecretId, sm);
  if (input.ForceDeleteWithoutRecovery) {
    sm.store.remove(secret);
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(sm.now) };
  }
  if (secret.deletionDate) throw markedForDeletion();
  const deletionDate = new Date(sm.now + days * DAY_MS);
  sm.store.save({ ...secret, deletionDate, deletedDate: new Date(sm.now) });
  return { ARN: secret.arn, Name: secret.name, DeletionDate: deletionDate };
}

export function restoreSecret(input: { SecretId: string }, sm: SecretsManagerScope) {
  const secret = requireSecret(input.SecretId, sm);
  if (secret.deletionDate) {
    const { deletionDate: _deletionDate, deletedDate: _deletedDate, ...restored } = secret;
    sm.store.save({ ...restored, lastChangedDate: new Date(sm.now) });
  }
  return { ARN: secret.arn, Name: secret.name };
}

export function putSecretValue(
  input: ValueInput & { SecretId: string; ClientRequestToken?: string; VersionStages?: string[] },
  sm: SecretsManagerScope,
) {
  const value = valueOf(input);
  if (!value) {
    throw new InvalidRequestException('You must provide either SecretString or SecretBinary.');
  }
  const secret = requireActiveSecret(input.SecretId, sm);
  const versionId = input.ClientRequestToken ?? randomUUID();
  const existing = secret.versions[versionId];
  if (existing) {
    // The same token and value again is a retry: AWS ignores it. Another value under it is refused.
    if (!sameValue(sm.store.value(secret.arn, versionId), value)) {
      throw new ResourceExistsException("You can't modify an existing version, you can only create a new version.");
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...existing.stages] };
  }
  const updated = withNewVersion(secret, versionId, input.VersionStages ?? [AWSCURRENT], sm.now);
  sm.store.save(updated, { [versionId]: value }, secret);
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: versionId,
    VersionStages: [...updated.versions[versionId]!.stages],
  };
}

export function updateSecret(
  input: ValueInput & {
    SecretId: string;
    ClientRequestToken?: string;
    Description?: string;
    KmsKeyId?: string;
    Type?: string;
  },
  sm: SecretsManagerScope,
) {
  const value = valueOf(input);
  const secret = requireActiveSecret(input.SecretId, sm);
  let updated: SecretRecord = {
    ...secret,
    ...(input.Description !== undefined && { description: input.Description }),
    ...(input.KmsKeyId !== undefined && { kmsKeyId: input.KmsKeyId }),
    ...(input.Type !== undefined && { type: input.Type }),
    lastChangedDate: new Date(sm.now),
  };
  const versionId = input.ClientRequestToken ?? randomUUID();
  if (value) {
    if (secret.versions[versionId]) {
      if (!sameValue(sm.store.value(secret.arn, versionId), value)) {
        throw new ResourceExistsException("You can't modify an existing version, you can only create a new version.");
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
    }
    updated = withNewVersion(updated, versionId, [AWSCURRENT], sm.now);
  }
  sm.store.save(updated, value ? { [versionId]: value } : {}, secret);
  return { ARN: secret.arn, Name: secret.name, ...(value && { VersionId: versionId }) };
}

export function checkTags(tags: readonly Tag[]): void {
  const keys = new Set<string>();
  for (const tag of tags) {
    if (tag.Key === undefined) throw new InvalidParameterException('A tag key must not be null.');
    if (keys.has(tag.Key)) throw new InvalidParameterException(`Duplicate tag key: ${tag.Key}`);
    keys.add(tag.Key);
  }
}
