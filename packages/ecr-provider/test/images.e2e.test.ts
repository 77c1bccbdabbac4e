import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { describeWithRegistry, DockerCli, failure, startEcrTestBed, type EcrTestBed } from './support';

/** The images API reads the registry's real manifests of images pushed with the docker CLI. */
describeWithRegistry('ECR images from the registry', () => {
  let bed: EcrTestBed;
  const docker = new DockerCli();
  const id = randomBytes(3).toString('hex');
  const first = `lc-ecr-img/first-${id}:1`;
  const second = `lc-ecr-img/second-${id}:1`;

  beforeAll(async () => {
    bed = await startEcrTestBed();
    await docker.buildImage(first, `first ${id}\n`);
    await docker.buildImage(second, `second ${id}\n`);
    const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').slice(4);
    await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], password);
  });
  afterAll(async () => {
    await docker.cleanup();
    await bed?.close();
  });

  /** Pushes a local image as `<uri>:<tag>` and returns the digest docker reports. */
  const push = async (local: string, uri: string, tag: string) => {
    await docker.tag(local, `${uri}:${tag}`);
    const out = await docker.ok(['push', `${uri}:${tag}`]);
    return /digest: (sha256:[0-9a-f]{64})/.exec(out)![1]!;
  };

  const repository = async (name: string, mutability: 'MUTABLE' | 'IMMUTABLE' = 'MUTABLE') => {
    const { repository } = await bed.ecr.send(
      new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: mutability }),
    );
    return repository!.repositoryUri!;
  };

  it('describes pushed images with the registry digest, tags, size, push time and media type', async () => {
    const uri = await repository(`described-${id}`);
    const before = Date.now() - 1000;
    const digest = await push(first, uri, '1');
    expect(await push(first, uri, 'latest')).toBe(digest);

    const { imageDetails } = await bed.ecr.send(new DescribeImagesCommand({ repositoryName: `described-${id}` }));
    expect(imageDetails).toHaveLength(1);
    const detail = imageDetails![0]!;
    expect(detail).toMatchObject({
      registryId: '000000000000',
      repositoryName: `described-${id}`,
      imageDigest: digest,
      imageTags: ['1', 'latest'],
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    });
    expect(detail.imagePushedAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(detail.imageSizeInBytes).toBeGreaterThan(100_000); // busybox's layer

    // BatchGetImage gives the manifest whose sha256 is that digest.
    const { images, failures } = await bed.ecr.send(
      new BatchGetImageCommand({
        repositoryName: `described-${id}`,
        imageIds: [{ imageTag: '1' }, { imageTag: 'nope' }],
      }),
    );
    expect(`sha256:${createHash('sha256').update(images![0]!.imageManifest!).digest('hex')}`).toBe(digest);
    expect(images![0]!.imageId).toEqual({ imageDigest: digest, imageTag: '1' });
    expect(failures).toEqual([
      { imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
    ]);

    expect(
      await failure(
        bed.ecr.send(
          new DescribeImagesCommand({ repositoryName: `described-${id}`, imageIds: [{ imageTag: 'nope' }] }),
        ),
      ),
    ).toMatchObject({
      name: 'ImageNotFoundException',
      message: `The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'described-${id}' in the registry with id '000000000000'`,
    });
  });

  it('lists tagged and untagged images after a tag moves', async () => {
    const name = `moving-${id}`;
    const uri = await repository(name);
    const old = await push(first, uri, 'v');
    const current = await push(second, uri, 'v');
    expect(current).not.toBe(old);
    const list = async (tagStatus: 'ANY' | 'TAGGED' | 'UNTAGGED') =>
      (await bed.ecr.send(new ListImagesCommand({ repositoryName: name, filter: { tagStatus } }))).imageIds;
    expect(await list('TAGGED')).toEqual([{ imageDigest: current, imageTag: 'v' }]);
    expect(await list('UNTAGGED')).toEqual([{ imageDigest: old }]);
    expect(await list('ANY')).toHaveLength(2);
  });

  it('refuses a second push of a tag to an IMMUTABLE repository, as ECR does', async () => {
    const name = `immutable-${id}`;
    const uri = await repository(name, 'IMMUTABLE');
    await push(first, uri, '1.0');
    await docker.tag(second, `${uri}:1.0`);
    const result = await docker.run(['push', `${uri}:1.0`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `tag invalid: The image tag '1.0' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`,
    );
    // A new tag is fine.
    await push(second, uri, '1.1');
    const { imageIds } = await bed.ecr.send(new ListImagesCommand({ repositoryName: name }));
    expect(imageIds!.map((i) => i.imageTag).sort()).toEqual(['1.0', '1.1']);
  });

  it('re-tags with PutImage, and deletes tags and images with BatchDeleteImage', async () => {
    const name = `retag-${id}`;
    const uri = await repository(name);
    const digest = await push(first, uri, 'build-1');
    const { images } = await bed.ecr.send(
      new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'build-1' }] }),
    );
    const manifest = images![0]!.imageManifest!;
    const put = await bed.ecr.send(
      new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: 'prod' }),
    );
    expect(put.image).toMatchObject({ imageId: { imageDigest: digest, imageTag: 'prod' } });
    expect(
      await failure(
        bed.ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: 'prod' })),
      ),
    ).toMatchObject({ name: 'ImageAlreadyExistsException' });
    expect(
      await failure(
        bed.ecr.send(
          new PutImageCommand({
            repositoryName: name,
            imageManifest: manifest,
            imageTag: 'x',
            imageDigest: `sha256:${'0'.repeat(64)}`,
          }),
        ),
      ),
    ).toMatchObject({ name: 'ImageDigestDoesNotMatchException' });
    // A digest of any length is quoted by its start only.
    const longDigest = `sha256:${'f'.repeat(70_000)}`;
    const longMismatch = await failure(
      bed.ecr.send(
        new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: 'x', imageDigest: longDigest }),
      ),
    );
    expect(longMismatch).toMatchObject({ name: 'ImageDigestDoesNotMatchException' });
    expect(longMismatch.message).toContain(`The provided image digest ${longDigest.slice(0, 100)}… does not match`);
    expect(longMismatch.message.length).toBeLessThan(400);
    const longMissing = await failure(
      bed.ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: longDigest }] })),
    );
    expect(longMissing).toMatchObject({ name: 'ImageNotFoundException' });
    expect(longMissing.message).toContain(`{imageDigest:'${longDigest.slice(0, 100)}…', imageTag:'null'}`);
    expect(longMissing.message.length).toBeLessThan(500);
    const missingLayer = JSON.parse(manifest) as { layers: { digest: string }[] };
    missingLayer.layers[0]!.digest = `sha256:${'1'.repeat(64)}`;
    expect(
      await failure(
        bed.ecr.send(
          new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify(missingLayer), imageTag: 'bad' }),
        ),
      ),
    ).toMatchObject({ name: 'LayersNotFoundException' });
    expect(
      await failure(
        bed.ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: '{not json', imageTag: 'bad' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });

    // Deleting one of two tags keeps the image under the other.
    const deleted = await bed.ecr.send(
      new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'build-1' }, { imageTag: 'gone' }] }),
    );
    expect(deleted.imageIds).toEqual([{ imageDigest: digest, imageTag: 'build-1' }]);
    expect(deleted.failures).toEqual([
      { imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
    ]);
    expect((await bed.ecr.send(new ListImagesCommand({ repositoryName: name }))).imageIds).toEqual([
      { imageDigest: digest, imageTag: 'prod' },
    ]);
    // By digest the image goes, tags and all.
    await bed.ecr.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageDigest: digest }] }));
    expect((await bed.ecr.send(new ListImagesCommand({ repositoryName: name }))).imageIds).toEqual([]);
    const pull = await docker.run(['pull', `${uri}:prod`]);
    expect(pull.code).not.toBe(0);
  });

  it('refuses PutImage over a tag of an IMMUTABLE repository', async () => {
    const name = `immutable-put-${id}`;
    const uri = await repository(name, 'IMMUTABLE');
    await push(first, uri, 'a');
    await push(second, uri, 'b');
    const { images } = await bed.ecr.send(
      new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'b' }] }),
    );
    expect(
      await failure(
        bed.ecr.send(
          new PutImageCommand({ repositoryName: name, imageManifest: images![0]!.imageManifest!, imageTag: 'a' }),
        ),
      ),
    ).toMatchObject({
      name: 'ImageTagAlreadyExistsException',
      message: `The image tag 'a' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`,
    });
  });

  it('starts the registry again when it dies, images intact', async () => {
    const name = `survivor-${id}`;
    const uri = await repository(name);
    const digest = await push(first, uri, '1');
    const provider = bed.gw.gateway.registry.get('ecr')! as unknown as {
      process: { child: { pid: number } };
      health(): Promise<{ status: string }>;
    };
    const pid = provider.process.child.pid;
    process.kill(pid, 'SIGKILL');
    for (let attempt = 0; attempt < 100 && provider.process.child.pid === pid; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Until the new one answers, the API says the registry is unavailable; then it answers again.
    let listed: unknown;
    for (let attempt = 0; attempt < 100 && listed === undefined; attempt++) {
      listed = await bed.ecr
        .send(new ListImagesCommand({ repositoryName: name }))
        .then((r) => r.imageIds)
        .catch(() => undefined);
      if (listed === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(provider.process.child.pid).not.toBe(pid);
    expect(listed).toEqual([{ imageDigest: digest, imageTag: '1' }]);
    expect((await provider.health()).status).toBe('running');
  });
});

describeWithRegistry('ECR images across a restart (PERSISTENCE=1)', () => {
  it('keeps pushed images, their digests and push times', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-images-'));
    const docker = new DockerCli();
    const id = randomBytes(3).toString('hex');
    let bed = await startEcrTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir });
    try {
      await docker.buildImage(`lc-ecr-img/kept-${id}:1`, `kept ${id}\n`);
      const { repository } = await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'kept' }));
      const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
      const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').slice(4);
      await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], password);
      await docker.tag(`lc-ecr-img/kept-${id}:1`, `${repository!.repositoryUri}:1`);
      await docker.ok(['push', `${repository!.repositoryUri}:1`]);
      const before = await bed.ecr.send(new DescribeImagesCommand({ repositoryName: 'kept' }));
      await bed.close();

      bed = await startEcrTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir });
      const after = await bed.ecr.send(new DescribeImagesCommand({ repositoryName: 'kept' }));
      expect(after.imageDetails).toEqual(before.imageDetails);
      expect(after.imageDetails![0]!.imageTags).toEqual(['1']);
    } finally {
      await docker.cleanup();
      await bed.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
