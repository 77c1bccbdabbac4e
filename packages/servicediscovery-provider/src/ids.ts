import { randomBytes } from 'node:crypto';
import { arnPartition } from '@localcloud/gateway';

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomOf(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Ids shaped like AWS's: `ns-` / `srv-` + 16 characters, operations 32 + `-` + 8, hosted zones `Z` + 13. */
export const newNamespaceId = () => `ns-${randomOf(LOWER, 16)}`;
export const newServiceId = () => `srv-${randomOf(LOWER, 16)}`;
export const newOperationId = () => `${randomOf(LOWER, 32)}-${randomOf(LOWER, 8)}`;
export const newHostedZoneId = () => `Z${randomOf(UPPER, 13)}`;

export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

export function resourceArn(scope: Scope, kind: 'namespace' | 'service', id: string): string {
  return `arn:${arnPartition(scope.region)}:servicediscovery:${scope.region}:${scope.accountId}:${kind}/${id}`;
}

/**
 * Newer Cloud Map APIs take an ARN where they take a namespace or service id (for shared namespaces);
 * where the model's length limit lets one through, it names the same resource.
 */
export function idOf(idOrArn: string): string {
  const slash = idOrArn.lastIndexOf('/');
  return idOrArn.startsWith('arn:') && slash > 0 ? idOrArn.slice(slash + 1) : idOrArn;
}
