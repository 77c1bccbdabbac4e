import { partialArn } from './arn';
import { markedForDeletion, secretNotFound } from './errors';
import type { SecretsManagerScope } from './operations';
import type { SecretRecord } from './store';

/**
 * The secret a `SecretId` names, as AWS resolves it: the full ARN, the partial ARN (without the random
 * suffix) or the name.
 */
export function findSecret(secretId: string, sm: SecretsManagerScope): SecretRecord | undefined {
  if (!secretId.startsWith('arn:')) return sm.store.named(secretId, sm.now);
  const exact = sm.store.byArn(secretId, sm.now);
  if (exact) return exact;
  const marker = secretId.indexOf(':secret:');
  if (marker < 0) return undefined;
  const secret = sm.store.named(secretId.slice(marker + ':secret:'.length), sm.now);
  return secret && partialArn(sm.scope, secret.name) === secretId ? secret : undefined;
}

/** The secret, scheduled for deletion or not; ResourceNotFoundException if there is none. */
export function requireSecret(secretId: string, sm: SecretsManagerScope): SecretRecord {
  const secret = findSecret(secretId, sm);
  if (!secret) throw secretNotFound();
  return secret;
}

/** The secret, which must not be scheduled for deletion (InvalidRequestException, as AWS answers). */
export function requireActiveSecret(secretId: string, sm: SecretsManagerScope): SecretRecord {
  const secret = requireSecret(secretId, sm);
  if (secret.deletionDate) throw markedForDeletion();
  return secret;
}
