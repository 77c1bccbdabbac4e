import { randomInt } from 'node:crypto';
import { arnPartition } from '@localcloud/gateway';

export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new secret's ARN as AWS makes it: the name, a hyphen and six random characters, so that a secret
 * deleted and created again under the same name gets another ARN (and old IAM grants do not carry over).
 */
export function newSecretArn(scope: Scope, name: string): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)];
  return `${partialArn(scope, name)}-${suffix}`;
}

/** The ARN without its random suffix: AWS accepts it as a SecretId ("partial ARN"). */
export function partialArn(scope: Scope, name: string): string {
  return `arn:${arnPartition(scope.region)}:secretsmanager:${scope.region}:${scope.accountId}:secret:${name}`;
}
