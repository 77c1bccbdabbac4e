import type { RegistryAuth } from '@localcloud/docker-backend';

/** A task image as it is pulled: a local reference, credentials for it, and its registry digest. */
export interface ResolvedImage {
  readonly ref: string;
  readonly auth?: RegistryAuth;
  /** The manifest digest the registry serves, for `imageDigest`. */
  readonly digest?: string;
}

/**
 * Images that are not pulled as named: ECR URIs of the emulated accounts, which the ECR provider serves from
 * its local registry (as the ECS agent pulls ECR images with the execution role's token). `undefined` for
 * any other image; throws with the reason (ECR's words) when the image cannot be had.
 */
export interface ImageSource {
  resolve(scope: { accountId: string; region: string }, image: string): Promise<ResolvedImage | undefined>;
}

/** The ECR provider's in-process API, checked by shape so ECS loads without that package. */
export function isImageResolver(value: unknown): value is {
  resolveImage: (scope: { accountId: string; region: string }, image: string) => Promise<ResolvedImage | undefined>;
} {
  return typeof (value as { resolveImage?: unknown } | undefined)?.resolveImage === 'function';
}
