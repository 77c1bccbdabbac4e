import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeleteRepositoryPolicyCommand,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  PutLifecyclePolicyCommand,
  SetRepositoryPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { failure, startEcrTestBed, type EcrTestBed } from './support';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'pull',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['ecr:BatchGetImage'],
    },
  ],
});
const LIFECYCLE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep ten',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' },
    },
  ],
});

describe('ECR repository policies, lifecycle policies and tags', () => {
  let bed: EcrTestBed;
  let dataDir: string;
  const arn = 'arn:aws:ecr:us-east-1:000000000000:repository/policed';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-policies-'));
    bed = await startEcrTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir });
    await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'policed', tags: [{ Key: 'a', Value: '1' }] }));
  });
  afterAll(async () => {
    await bed?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores, returns and deletes a repository policy', async () => {
    expect(await failure(bed.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'policed' })))).toMatchObject({
      name: 'RepositoryPolicyNotFoundException',
      message:
        "Repository policy does not exist for the repository with name 'policed' in the registry with id '000000000000'",
    });
    expect(
      await failure(bed.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policed', policyText: '{"no":' }))),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await bed.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policed', policyText: POLICY })),
    ).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'policed',
      policyText: POLICY,
    });
    expect((await bed.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'policed' }))).policyText).toBe(POLICY);
    expect((await bed.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'policed' }))).policyText).toBe(
      POLICY,
    );
    expect(await failure(bed.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'policed' })))).toMatchObject(
      {
        name: 'RepositoryPolicyNotFoundException',
      },
    );
  });

  it('stores, returns and deletes a lifecycle policy, refusing malformed rules', async () => {
    expect(await failure(bed.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'policed' })))).toMatchObject({
      name: 'LifecyclePolicyNotFoundException',
      message:
        "Lifecycle policy does not exist for the repository with name 'policed' in the registry with id '000000000000'",
    });
    const bad = await failure(
      bed.ecr.send(
        new PutLifecyclePolicyCommand({
          repositoryName: 'policed',
          lifecyclePolicyText: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: 'a rule long enough for the 100-character minimum of the API',
                selection: { tagStatus: 'some', countType: 'imageCountMoreThan', countNumber: 1 },
                action: { type: 'expire' },
              },
            ],
          }),
        }),
      ),
    );
    expect(bad).toMatchObject({ name: 'InvalidParameterException' });
    expect(bad.message).toContain('Lifecycle policy validation failure');
    await bed.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'policed', lifecyclePolicyText: LIFECYCLE }));
    const got = await bed.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'policed' }));
    expect(got).toMatchObject({
      repositoryName: 'policed',
      lifecyclePolicyText: LIFECYCLE,
      lastEvaluatedAt: expect.any(Date),
    });
  });

  it('tags and untags the repository by ARN', async () => {
    await bed.ecr.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: 'one' },
        ],
      }),
    );
    await bed.ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b'] }));
    expect((await bed.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { Key: 'a', Value: 'one' },
    ]);
    expect(
      await failure(
        bed.ecr.send(
          new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/none' }),
        ),
      ),
    ).toMatchObject({ name: 'RepositoryNotFoundException' });
    expect(await failure(bed.ecr.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })))).toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('keeps policies and tags across a restart', async () => {
    await bed.close();
    bed = await startEcrTestBed({ PERSISTENCE: '1', DATA_DIR: dataDir });
    expect((await bed.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'policed' }))).lifecyclePolicyText).toBe(
      LIFECYCLE,
    );
    expect((await bed.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { Key: 'a', Value: 'one' },
    ]);
    await bed.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'policed' }));
    expect(await failure(bed.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'policed' })))).toMatchObject({
      name: 'LifecyclePolicyNotFoundException',
    });
  });
});
