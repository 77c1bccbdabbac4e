import { truncateText } from '@localcloud/gateway';
import { createHash } from 'node:crypto';
import type { EcrScope } from '../ecr-scope';
import {
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  InvalidParameterException,
  LayersNotFoundException,
  ReferencedImagesNotFoundException,
  immutableTagMessage,
} from '../errors';
import { registryPath } from '../image-uri';
import { artifactMediaType, imageSize, listImages, type Image } from '../registry/images';
import { RegistryError } from '../registry/registry-client';
import { paginate, requireRepository } from './repositories';

interface ImageIdentifier {
  imageDigest?: string;
  imageTag?: string;
}

interface Filter {
  tagStatus?: 'ANY' | 'TAGGED' | 'UNTAGGED';
}

const byTagStatus = (filter: Filter | undefined) => (image: Image) => {
  const status = filter?.tagStatus ?? 'ANY';
  return status === 'ANY' || (status === 'TAGGED') === image.tags.length > 0;
};

/** The image an identifier names, or why not (ECR's failure codes). */
function find(
  images: readonly Image[],
  id: ImageIdentifier,
): { image: Image } | { failureCode: string; failureReason: string } {
  if (!id.imageDigest && !id.imageTag) {
    return {
      failureCode: 'MissingDigestAndTag',
      failureReason: 'Invalid request parameters: both tag and digest cannot be null',
    };
  }
  const byDigest = id.imageDigest ? images.find((i) => i.digest === id.imageDigest) : undefined;
  const byTag = id.imageTag ? images.find((i) => i.tags.includes(id.imageTag!)) : undefined;
  if (id.imageDigest && id.imageTag) {
    if (byDigest && byTag && byDigest !== byTag) {
      return {
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: 'Invalid input: Image tag does not match digest',
      };
    }
    if (byDigest && byTag) return { image: byDigest };
  } else if (byDigest ?? byTag) return { image: (byDigest ?? byTag)! };
  return { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
}

const imageNotFound = (ctx: EcrScope, repository: string, id: ImageIdentifier) =>
  new ImageNotFoundException(
    `The image with imageId {imageDigest:'${truncateText(id.imageDigest ?? 'null')}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository}' in the registry with id '${ctx.scope.accountId}'`,
  );

export async function listImagesHandler(
  input: { registryId?: string; repositoryName: string; nextToken?: string; maxResults?: number; filter?: Filter },
  ctx: EcrScope,
) {
  const repository = requireRepository(ctx, input.repositoryName, input.registryId);
  const ids = (await listImages(ctx, repository.repositoryName))
    .filter(byTagStatus(input.filter))
    .flatMap((image) =>
      image.tags.length > 0
        ? image.tags.map((imageTag) => ({ imageDigest: image.digest, imageTag }))
        : [{ imageDigest: image.digest }],
    );
  const { page, nextToken } = paginate(ids, input.nextToken, input.maxResults ?? 1000);
  return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
}

export async function describeImages(
  input: {
    registryId?: string;
    repositoryName: string;
    imageIds?: ImageIdentifier[];
    nextToken?: string;
    maxResults?: number;
    filter?: Filter;
  },
  ctx: EcrScope,
) {
  const repository = requireRepository(ctx, input.repositoryName, input.registryId);
  if (input.imageIds && (input.nextToken !== undefined || input.maxResults !== undefined)) {
    throw new InvalidParameterException('Cannot specify imageIds together with maxResults or nextToken');
  }
  const all = await listImages(ctx, repository.repositoryName);
  let images: Image[];
  if (input.imageIds) {
    images = input.imageIds.map((id) => {
      const found = find(all, id);
      if (!('image' in found)) {
        if (found.failureCode === 'ImageNotFound') throw imageNotFound(ctx, repository.repositoryName, id);
        throw new InvalidParameterException(found.failureReason);
      }
      return found.image;
    });
  } else images = all.filter(byTagStatus(input.filter));
  const { page, nextToken } = paginate(images, input.nextToken, input.maxResults ?? 100);
  return {
    imageDetails: page.map((image) => {
      const artifact = artifactMediaType(image.manifest);
      return {
        registryId: ctx.scope.accountId,
        repositoryName: repository.repositoryName,
        imageDigest: image.digest,
        ...(image.tags.length > 0 ? { imageTags: image.tags } : {}),
        imageSizeInBytes: imageSize(image.manifest),
        imagePushedAt: image.pushedAt,
        imageManifestMediaType: image.manifest.mediaType,
        ...(artifact ? { artifactMediaType: artifact } : {}),
        imageStatus: 'ACTIVE',
      };
    }),
    ...(nextToken ? { nextToken } : {}),
  };
}

export async function batchGetImage(
  input: {
    registryId?: string;
    repositoryName: string;
    imageIds: ImageIdentifier[];
    acceptedMediaTypes?: string[];
  },
  ctx: EcrScope,
) {
  const repository = requireRepository(ctx, input.repositoryName, input.registryId);
  const path = registryPath(ctx.scope.accountId, ctx.scope.region, repository.repositoryName);
  const all = await listImages(ctx, repository.repositoryName);
  const images = [];
  const failures = [];
  for (const id of input.imageIds) {
    const found = find(all, id);
    if (!('image' in found)) {
      failures.push({ imageId: id, ...found });
      continue;
    }
    let manifest = found.image.manifest;
    if (input.acceptedMediaTypes && !input.acceptedMediaTypes.includes(manifest.mediaType)) {
      // The registry converts where it can (e.g. to schema 1); otherwise ECR reports the image unsupported.
      const converted = await ctx.registry.client().manifest(path, found.image.digest, input.acceptedMediaTypes);
      if (!converted || !input.acceptedMediaTypes.includes(converted.mediaType)) {
        failures.push({
          imageId: id,
          failureCode: 'UnsupportedImageType',
          failureReason: `Image manifest media type ${truncateText(manifest.mediaType)} is not in acceptedMediaTypes`,
        });
        continue;
      }
      manifest = converted;
    }
    images.push({
      registryId: ctx.scope.accountId,
      repositoryName: repository.repositoryName,
      imageId: { imageDigest: found.image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
      imageManifest: manifest.body,
      imageManifestMediaType: manifest.mediaType,
    });
  }
  return { images, failures };
}

export async function batchDeleteImage(
  input: { registryId?: string; repositoryName: string; imageIds: ImageIdentifier[] },
  ctx: EcrScope,
) {
  const repository = requireRepository(ctx, input.repositoryName, input.registryId);
  const path = registryPath(ctx.scope.accountId, ctx.scope.region, repository.repositoryName);
  const client = ctx.registry.client();
  const imageIds: ImageIdentifier[] = [];
  const failures = [];
  for (const id of input.imageIds) {
    // Read again each time: an earlier id of the batch may have changed the repository.
    const found = find(await listImages(ctx, repository.repositoryName), id);
    if (!('image' in found)) {
      failures.push({ imageId: id, ...found });
      continue;
    }
    const { image } = found;
    // A tag alone removes that tag; the image goes with its last tag, or when named by digest.
    const keep = id.imageTag && !id.imageDigest ? image.tags.filter((t) => t !== id.imageTag) : [];
    await client.deleteManifest(path, image.digest);
    // Distribution 2 deletes by digest only, untagging everything: put back the tags that stay.
    for (const tag of keep) await client.putManifest(path, tag, image.manifest.mediaType, image.manifest.body);
    if (keep.length === 0) {
      ctx.store.imageDeleted(repository.repositoryName, image.digest);
      if (id.imageTag) imageIds.push({ imageDigest: image.digest, imageTag: id.imageTag });
      else
        for (const tag of image.tags.length ? image.tags : [undefined])
          imageIds.push({ imageDigest: image.digest, ...(tag ? { imageTag: tag } : {}) });
    } else {
      imageIds.push({ imageDigest: image.digest, imageTag: id.imageTag });
    }
  }
  return { imageIds, failures };
}

export async function putImage(
  input: {
    registryId?: string;
    repositoryName: string;
    imageManifest: string;
    imageManifestMediaType?: string;
    imageTag?: string;
    imageDigest?: string;
  },
  ctx: EcrScope,
) {
  const repository = requireRepository(ctx, input.repositoryName, input.registryId);
  const name = repository.repositoryName;
  const path = registryPath(ctx.scope.accountId, ctx.scope.region, name);
  let parsed: { mediaType?: string; schemaVersion?: number; manifests?: unknown };
  try {
    parsed = JSON.parse(input.imageManifest) as typeof parsed;
  } catch {
    throw new InvalidParameterException(
      "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    );
  }
  const mediaType =
    input.imageManifestMediaType ??
    parsed.mediaType ??
    (parsed.manifests ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json');
  if (input.imageManifestMediaType && parsed.mediaType && parsed.mediaType !== input.imageManifestMediaType) {
    throw new InvalidParameterException(
      `Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'Manifest media type ${truncateText(parsed.mediaType)} does not match ${truncateText(input.imageManifestMediaType)}'`,
    );
  }
  const digest = `sha256:${createHash('sha256').update(input.imageManifest, 'utf8').digest('hex')}`;
  if (input.imageDigest && input.imageDigest !== digest) {
    throw new ImageDigestDoesNotMatchException(
      `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The provided image digest ${truncateText(input.imageDigest)} does not match the calculated digest ${digest}'`,
    );
  }
  const images = await listImages(ctx, name);
  const existing = images.find((i) => i.digest === digest);
  if (input.imageTag) {
    const tagged = images.find((i) => i.tags.includes(input.imageTag!));
    if (tagged?.digest === digest) {
      throw new ImageAlreadyExistsException(
        `Image with digest '${digest}' and tag '${input.imageTag}' already exists in the repository with name '${name}' in the registry with id '${ctx.scope.accountId}'`,
      );
    }
    if (tagged && repository.imageTagMutability === 'IMMUTABLE') {
      throw new ImageTagAlreadyExistsException(immutableTagMessage(input.imageTag, name));
    }
  } else if (existing) {
    throw new ImageAlreadyExistsException(
      `Image with digest '${digest}' and tag 'null' already exists in the repository with name '${name}' in the registry with id '${ctx.scope.accountId}'`,
    );
  }
  try {
    await ctx.registry.client().putManifest(path, input.imageTag ?? digest, mediaType, input.imageManifest);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    if (error.codes.includes('MANIFEST_BLOB_UNKNOWN') || error.codes.includes('BLOB_UNKNOWN')) {
      if (parsed.manifests) {
        throw new ReferencedImagesNotFoundException(
          `Some of the images referenced by the manifest list do not exist in the repository with name '${name}'`,
        );
      }
      throw new LayersNotFoundException(
        `Layers required for pushing image into repository with name '${name}' in the registry with id '${ctx.scope.accountId}' do not exist. ${error.message}`,
      );
    }
    throw new InvalidParameterException(
      `Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Invalid manifest: ${error.message}'`,
    );
  }
  ctx.store.imagePushed(name, digest, ctx.now);
  await ctx.applyLifecycle(name);
  return {
    image: {
      registryId: ctx.scope.accountId,
      repositoryName: name,
      imageId: { imageDigest: digest, ...(input.imageTag ? { imageTag: input.imageTag } : {}) },
      imageManifest: input.imageManifest,
      imageManifestMediaType: mediaType,
    },
  };
}
