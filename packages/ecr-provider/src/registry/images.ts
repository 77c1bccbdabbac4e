import type { EcrScope } from '../ecr-scope';
import { registryPath } from '../image-uri';
import type { StoredManifest } from './registry-client';

/** One image of a repository: a manifest in the registry, and the tags pointing at it. */
export interface Image {
  readonly digest: string;
  readonly tags: string[];
  readonly manifest: StoredManifest;
  readonly pushedAt: Date;
}

/**
 * Every image of a repository, read from the registry: tagged ones from its tag list, untagged ones from the
 * digests the provider saw pushed (the registry cannot list manifests without tags). Newest first.
 */
export async function listImages(ctx: EcrScope, repositoryName: string): Promise<Image[]> {
  const client = ctx.registry.client();
  const path = registryPath(ctx.scope.accountId, ctx.scope.region, repositoryName);
  const byDigest = new Map<string, { tags: string[]; manifest: StoredManifest }>();
  for (const tag of await client.tags(path)) {
    const manifest = await client.manifest(path, tag);
    if (!manifest) continue;
    const entry = byDigest.get(manifest.digest) ?? { tags: [], manifest };
    entry.tags.push(tag);
    byDigest.set(manifest.digest, entry);
  }
  for (const digest of ctx.store.digests(repositoryName)) {
    if (byDigest.has(digest)) continue;
    const manifest = await client.manifest(path, digest);
    if (manifest) byDigest.set(digest, { tags: [], manifest });
    // Deleted behind our back (or never stored): forget it.
    else ctx.store.imageDeleted(repositoryName, digest);
  }
  return [...byDigest.entries()]
    .map(([digest, { tags, manifest }]) => ({
      digest,
      tags: tags.sort(),
      manifest,
      pushedAt: ctx.store.image(repositoryName, digest)?.pushedAt ?? ctx.now,
    }))
    .sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || a.digest.localeCompare(b.digest));
}

/** The size ECR reports: the compressed layers (or, for an index, the manifests it lists). */
export function imageSize(manifest: StoredManifest): number {
  try {
    const parsed = JSON.parse(manifest.body) as {
      layers?: { size?: number }[];
      manifests?: { size?: number }[];
      config?: { size?: number };
    };
    const parts = parsed.layers ?? parsed.manifests ?? [];
    return parts.reduce((sum, p) => sum + (p.size ?? 0), 0);
  } catch {
    return 0;
  }
}

/** The config's media type: ECR's `artifactMediaType`. */
export function artifactMediaType(manifest: StoredManifest): string | undefined {
  try {
    return (JSON.parse(manifest.body) as { config?: { mediaType?: string } }).config?.mediaType;
  } catch {
    return undefined;
  }
}

/**
 * Digests of the manifests an index (multi-platform image) of the repository lists: they show as untagged
 * images, but are parts of another image, so a lifecycle rule must not count or expire them on their own.
 */
export function partsOfIndexes(images: readonly Image[]): Set<string> {
  const parts = new Set<string>();
  for (const image of images) {
    try {
      const parsed = JSON.parse(image.manifest.body) as { manifests?: { digest?: unknown }[] };
      for (const entry of parsed.manifests ?? []) if (typeof entry.digest === 'string') parts.add(entry.digest);
    } catch {
      // not JSON: lists nothing
    }
  }
  return parts;
}
