import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  PutImageCommand,
  DescribeImagesCommand,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { DockerCli, describeWithRegistry, startEcrTestBed, type EcrTestBed } from './support';

const rule = (rulePriority: number, selection: object) => ({ rulePriority, selection, action: { type: 'expire' } });

/** Lifecycle policies applied to real pushes: what they expire is deleted from the registry. */
describeWithRegistry('ECR lifecycle policies', () => {
  let bed: EcrTestBed;
  const docker = new DockerCli();
  const id = randomBytes(3).toString('hex');
  const repositoryName = `life-${id}`;
  let uri: string;
  const digests: Record<string, string> = {};

  const tagsNow = async () => {
    const { imageDetails } = await bed.ecr.send(new DescribeImagesCommand({ repositoryName }));
    return imageDetails!.map((i) => ({ digest: i.imageDigest!, tags: i.imageTags ?? [] }));
  };
  /** Pushes a one-file image of its own content as `tag`; returns its digest. */
  const push = async (name: string, tag: string) => {
    const local = `lc-ecr-life/${id}:${name}`;
    await docker.buildImage(local, `${name} ${id}\n`);
    await docker.tag(local, `${uri}:${tag}`);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(await docker.ok(['push', `${uri}:${tag}`]))![1]!;
    digests[name] = digest;
    return digest;
  };

  beforeAll(async () => {
    bed = await startEcrTestBed();
    const { repository } = await bed.ecr.send(new CreateRepositoryCommand({ repositoryName }));
    uri = repository!.repositoryUri!;
    const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').slice(4);
    await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], password);
    await bed.ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName,
        lifecyclePolicyText: JSON.stringify({
          rules: [
            rule(1, {
              tagStatus: 'tagged',
              tagPrefixList: ['release'],
              countType: 'imageCountMoreThan',
              countNumber: 2,
            }),
            rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
          ],
        }),
      }),
    );
  });
  afterAll(async () => {
    await bed?.close();
    await docker.cleanup();
  });

  it('a push past the count expires the oldest tagged image, deleted from the registry', async () => {
    await push('r1', 'release-1');
    await push('r2', 'release-2');
    expect((await tagsNow()).map((i) => i.tags)).toEqual([['release-2'], ['release-1']]);
    await push('r3', 'release-3');
    // When `docker push` returns, the policy has been applied.
    expect((await tagsNow()).map((i) => i.tags)).toEqual([['release-3'], ['release-2']]);
    await docker.ok(['rmi', `${uri}:release-1`]);
    const pull = await docker.run(['pull', `${uri}:release-1`]);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/manifest unknown|not found/);
    const { lastEvaluatedAt } = await bed.ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    expect(lastEvaluatedAt).toBeInstanceOf(Date);
  });

  it('untagged images beyond the count expire; tagged ones are left to their own rule', async () => {
    const first = await push('d1', 'dev');
    await push('d2', 'dev'); // d1 loses its tag: one untagged image, kept
    expect((await tagsNow()).find((i) => i.digest === first)?.tags).toEqual([]);
    await push('d3', 'dev'); // d2 untagged too: the older untagged (d1) expires
    const images = await tagsNow();
    expect(images.map((i) => i.digest)).not.toContain(first);
    expect(images.find((i) => i.digest === digests.d2)?.tags).toEqual([]);
    // `dev` matches neither rule: it stays, as do the two newest releases.
    expect(images.filter((i) => i.tags.length > 0).map((i) => i.tags)).toEqual([['dev'], ['release-3'], ['release-2']]);
  });

  it('a preview lists what a policy would expire, and expires nothing', async () => {
    const stricter = JSON.stringify({
      rules: [
        rule(1, { tagStatus: 'tagged', tagPrefixList: ['release'], countType: 'imageCountMoreThan', countNumber: 1 }),
        rule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }),
      ],
    });
    const started = await bed.ecr.send(
      new StartLifecyclePolicyPreviewCommand({ repositoryName, lifecyclePolicyText: stricter }),
    );
    expect(started).toMatchObject({ repositoryName, lifecyclePolicyText: stricter, status: 'COMPLETE' });
    const preview = await bed.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }));
    expect(preview.previewResults).toEqual([
      {
        imageDigest: digests.r2,
        imageTags: ['release-2'],
        imagePushedAt: expect.any(Date),
        action: { type: 'EXPIRE' },
        appliedRulePriority: 1,
      },
    ]);
    expect(preview.summary).toEqual({ expiringImageTotalCount: 1 });
    expect((await tagsNow()).map((i) => i.digest)).toContain(digests.r2);
  });

  it("never counts or expires the parts of a multi-platform image (an index's manifests)", async () => {
    // An index tagged `multi` listing d2 (untagged) and d3 (tagged dev).
    const { images } = await bed.ecr.send(
      new BatchGetImageCommand({
        repositoryName,
        imageIds: [{ imageDigest: digests.d2 }, { imageDigest: digests.d3 }],
      }),
    );
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: images!.map((image, i) => ({
        mediaType: image.imageManifestMediaType,
        digest: image.imageId!.imageDigest,
        size: Buffer.byteLength(image.imageManifest!),
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    });
    await bed.ecr.send(new PutImageCommand({ repositoryName, imageManifest: index, imageTag: 'multi' }));
    // d3 loses `dev`: two untagged images now, both parts of the index; the untagged rule keeps 1 but
    // must not expire d2, which the index needs.
    await push('d4', 'dev');
    const after = await tagsNow();
    expect(after.find((i) => i.digest === digests.d3)?.tags).toEqual([]);
    expect(after.map((i) => i.digest)).toEqual(expect.arrayContaining([digests.d2, digests.d3]));
    await docker.ok(['manifest', 'inspect', '--insecure', `${uri}:multi`]);
  });

  it('refuses an invalid policy with ECR’s validation error, keeping the one in force', async () => {
    const error = await bed.ecr
      .send(
        new PutLifecyclePolicyCommand({
          repositoryName,
          lifecyclePolicyText: JSON.stringify({
            rules: [rule(1, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })],
          }),
        }),
      )
      .catch((e: { name: string; message: string }) => e);
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('Lifecycle policy validation failure: tagPrefixList or tagPatternList'),
    });
    const { lifecyclePolicyText } = await bed.ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    expect(lifecyclePolicyText).toContain('"release"');
  });
});

describeWithRegistry('ECR lifecycle state across a restart (PERSISTENCE=1)', () => {
  const docker = new DockerCli();
  const id = randomBytes(3).toString('hex');
  const repositoryName = `life-kept-${id}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-life-'));
  const keepOne = JSON.stringify({
    rules: [
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['release'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ],
  });
  let bed: EcrTestBed | undefined;

  const start = async () => {
    bed = await startEcrTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir });
    const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').slice(4);
    await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], password);
    return bed;
  };
  const push = async (ecr: EcrTestBed, name: string) => {
    const local = `lc-ecr-life-kept/${id}:${name}`;
    await docker.buildImage(local, `${name} ${id}\n`);
    const remote = `${ecr.registryHost}/000000000000/us-east-1/${repositoryName}:${name}`;
    await docker.tag(local, remote);
    return /digest: (sha256:[0-9a-f]{64})/.exec(await docker.ok(['push', remote]))![1]!;
  };
  const tags = async (ecr: EcrTestBed) =>
    (await ecr.ecr.send(new DescribeImagesCommand({ repositoryName }))).imageDetails!.map((i) => i.imageTags);

  afterAll(async () => {
    await bed?.close();
    await docker.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the policy, when it was applied, the push times it counts by, and the last preview', async () => {
    let ecr = await start();
    await ecr.ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const first = await push(ecr, 'release-1');
    await push(ecr, 'release-2');
    await ecr.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName, lifecyclePolicyText: keepOne }));
    await ecr.ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: keepOne }));
    expect(await tags(ecr)).toEqual([['release-2']]);
    const { lastEvaluatedAt } = await ecr.ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    await ecr.close();

    ecr = await start();
    const after = await ecr.ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    expect(after).toMatchObject({ lifecyclePolicyText: keepOne, lastEvaluatedAt });
    const preview = await ecr.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }));
    expect(preview.previewResults!.map((r) => [r.imageDigest, r.imageTags, r.appliedRulePriority])).toEqual([
      [first, ['release-1'], 1],
    ]);
    expect(await tags(ecr)).toEqual([['release-2']]);
    // A push after the restart is counted against release-2's push time, kept from before.
    await push(ecr, 'release-3');
    expect(await tags(ecr)).toEqual([['release-3']]);
  });
});
