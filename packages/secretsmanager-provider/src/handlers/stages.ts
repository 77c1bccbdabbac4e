import { InvalidParameterException, valueNotFound } from '../errors';
import { requireActiveSecret, requireSecret } from '../lookup';
import type { SecretsManagerScope } from '../operations';
import { AWSCURRENT, moveStage, removeStage, versionWithStage } from '../versions';
import { pageOf } from './pages';

export function updateSecretVersionStage(
  input: { SecretId: string; VersionStage: string; RemoveFromVersionId?: string; MoveToVersionId?: string },
  sm: SecretsManagerScope,
) {
  const secret = requireActiveSecret(input.SecretId, sm);
  const { VersionStage: stage, RemoveFromVersionId: from, MoveToVersionId: to } = input;
  if (to !== undefined && !secret.versions[to]) throw valueNotFound('VersionId', to);
  if (from !== undefined && !secret.versions[from]) throw valueNotFound('VersionId', from);
  const holder = versionWithStage(secret.versions, stage);
  if (from !== undefined && holder !== from) {
    throw new InvalidParameterException(
      `The staging label ${stage} is not attached to the version ${from}, so you can't remove it.`,
    );
  }
  if (to !== undefined && holder !== undefined && holder !== to && from === undefined) {
    // AWS makes the caller name where the label comes from, so two callers cannot move it past each other.
    throw new InvalidParameterException(
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ` +
        `${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  if (to === undefined && stage === AWSCURRENT && from !== undefined) {
    throw new InvalidParameterException(
      'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
    );
  }
  let versions = secret.versions;
  if (to !== undefined) versions = moveStage(versions, stage, to);
  else if (from !== undefined) versions = removeStage(versions, stage, from);
  sm.store.save({ ...secret, versions, lastChangedDate: new Date(sm.now) });
  return { ARN: secret.arn, Name: secret.name };
}

export function listSecretVersionIds(
  input: { SecretId: string; MaxResults?: number; NextToken?: string; IncludeDeprecated?: boolean },
  sm: SecretsManagerScope,
) {
  const secret = requireSecret(input.SecretId, sm);
  const versions = Object.entries(secret.versions)
    .filter(([, v]) => input.IncludeDeprecated || v.stages.length > 0)
    .map(([id, v]) => ({
      VersionId: id,
      VersionStages: [...v.stages],
      ...(v.lastAccessedDate && { LastAccessedDate: v.lastAccessedDate }),
      CreatedDate: v.createdDate,
    }))
    .reverse();
  const page = pageOf(versions, input.MaxResults ?? 100, input.NextToken);
  return {
    Versions: page.items,
    ...(page.nextToken && { NextToken: page.nextToken }),
    ARN: secret.arn,
    Name: secret.name,
  };
}
