import { NotImplementedError, type OperationHandler } from '@localcloud/gateway';
import type { SecretsManagerStore } from './store';
import {
  createSecret,
  deleteSecret,
  describeSecret,
  getSecretValue,
  putSecretValue,
  restoreSecret,
  updateSecret,
} from './handlers/secrets';
import { listSecretVersionIds, updateSecretVersionStage } from './handlers/stages';
import { batchGetSecretValue, listSecrets } from './handlers/list';
import { tagResource, untagResource } from './handlers/tags';

/** What every handler works on: the caller's account and region, only that state, and the time of the request. */
export interface SecretsManagerScope {
  readonly scope: { readonly accountId: string; readonly region: string };
  readonly store: SecretsManagerStore;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/**
 * The Secrets Manager operations localcloud implements, by API operation name. Every other operation of
 * the API (23 in the model) answers NotImplementedException (501).
 */
export const SECRETSMANAGER_HANDLERS: Readonly<Record<string, OperationHandler<SecretsManagerScope>>> = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  DescribeSecret: describeSecret,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
  ListSecretVersionIds: listSecretVersionIds,
  ListSecrets: listSecrets,
  BatchGetSecretValue: batchGetSecretValue,
  TagResource: tagResource,
  UntagResource: untagResource,
  RotateSecret: () => {
    throw new NotImplementedError(
      'localcloud has no Lambda to run a rotation function: RotateSecret is not available. ' +
        'Rotate by calling PutSecretValue with the new value (AWSCURRENT moves to it, AWSPREVIOUS follows).',
    );
  },
};
