import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  PutImageTagMutabilityCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { testCredentials } from '@localcloud/gateway/testing';
import { failure, startEcrTestBed, type EcrTestBed } from './support';

describe('ECR repositories through the AWS SDK', () => {
  let bed: EcrTestBed;

  beforeAll(async () => {
    bed = await startEcrTestBed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('creates a repository with its settings and describes it', async () => {
    const { repository } = await bed.ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'web/api',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: 'KMS' },
        tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    expect(repository).toEqual({
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/web/api',
      registryId: '000000000000',
      repositoryName: 'web/api',
      repositoryUri: `${bed.registryHost}/000000000000/us-east-1/web/api`,
      createdAt: expect.any(Date),
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:000000000000:alias/aws/ecr' },
    });
    const { repositories } = await bed.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web/api'] }));
    expect(repositories).toEqual([repository]);
  });

  it("answers ECR's errors", async () => {
    await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' }));
    expect(await failure(bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' })))).toMatchObject({
      name: 'RepositoryAlreadyExistsException',
      message: "The repository with name 'dup' already exists in the registry with id '000000000000'",
      $metadata: { httpStatusCode: 400 },
    });
    expect(await failure(bed.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })))).toMatchObject({
      name: 'RepositoryNotFoundException',
      message: "The repository with name 'nope' does not exist in the registry with id '000000000000'",
    });
    expect(await failure(bed.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'nope' })))).toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    const invalid = await failure(bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'Upper' })));
    expect(invalid).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    expect(invalid.message).toContain("at 'repositoryName' failed to satisfy constraint");
    expect(
      await failure(
        bed.ecr.send(
          new CreateRepositoryCommand({
            repositoryName: 'many-tags',
            tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
          }),
        ),
      ),
    ).toMatchObject({ name: 'TooManyTagsException' });
    expect(
      await failure(bed.ecr.send(new StartImageScanCommand({ repositoryName: 'dup', imageId: {} }))),
    ).toMatchObject({
      name: 'NotImplementedException',
      $metadata: { httpStatusCode: 501 },
    });
  });

  it('pages through repositories and changes tag mutability', async () => {
    for (const name of ['page/a', 'page/b', 'page/c']) {
      await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await bed.ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken }));
      expect(page.repositories!.length).toBeLessThanOrEqual(2);
      seen.push(...page.repositories!.map((r) => r.repositoryName!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.filter((n) => n.startsWith('page/'))).toEqual(['page/a', 'page/b', 'page/c']);

    expect(
      await bed.ecr.send(
        new PutImageTagMutabilityCommand({ repositoryName: 'page/a', imageTagMutability: 'IMMUTABLE' }),
      ),
    ).toMatchObject({ registryId: '000000000000', repositoryName: 'page/a', imageTagMutability: 'IMMUTABLE' });
    const { repositories } = await bed.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['page/a'] }));
    expect(repositories![0]!.imageTagMutability).toBe('IMMUTABLE');
  });

  it('keeps repositories per account and region', async () => {
    const west = new ECRClient({ endpoint: bed.gw.url, region: 'us-west-2', credentials: testCredentials() });
    const other = new ECRClient({
      endpoint: bed.gw.url,
      region: 'us-east-1',
      credentials: testCredentials('111122223333'),
    });
    try {
      const { repository } = await west.send(new CreateRepositoryCommand({ repositoryName: 'regional' }));
      expect(repository!.repositoryUri).toBe(`${bed.registryHost}/000000000000/us-west-2/regional`);
      expect(
        await failure(bed.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['regional'] }))),
      ).toMatchObject({ name: 'RepositoryNotFoundException' });
      expect(
        await failure(other.send(new DescribeRepositoriesCommand({ repositoryNames: ['regional'] }))),
      ).toMatchObject({ name: 'RepositoryNotFoundException' });
    } finally {
      west.destroy();
      other.destroy();
    }
  });

  it('hands out a 12-hour AWS:<token> for the local registry', async () => {
    const before = Date.now();
    const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    expect(authorizationData).toHaveLength(1);
    const data = authorizationData![0]!;
    expect(Buffer.from(data.authorizationToken!, 'base64').toString('utf8')).toMatch(/^AWS:\S+$/);
    expect(data.proxyEndpoint).toBe(`http://${bed.registryHost}`);
    const lifetime = data.expiresAt!.getTime() - before;
    expect(lifetime).toBeGreaterThan(12 * 3600_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(12 * 3600_000 + 1_000);
  });
});

describe('ECR without a registry binary', () => {
  let bed: EcrTestBed;

  beforeAll(async () => {
    bed = await startEcrTestBed({ ECR_REGISTRY_BINARY: path.join(os.tmpdir(), 'no-such-registry') });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('answers the repository API, and names the setting and what to install where the registry is needed', async () => {
    await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'still-works' }));
    await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    const error = await failure(
      bed.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'still-works', force: true })),
    );
    expect(error).toMatchObject({ name: 'ServerException' });
    expect(error.message).toContain(`ECR_REGISTRY_BINARY is ${path.join(os.tmpdir(), 'no-such-registry')}`);
    expect(error.message).toContain('apt-get install docker-registry');
    const health = (await bed.gw.gateway.registry.get('ecr')!.health!()) as { status: string; registry: string };
    expect(health.status).toBe('degraded');
    expect(health.registry).toContain('apt-get install docker-registry');
  });
});

describe('ECR state across a restart (PERSISTENCE=1)', () => {
  it('keeps repositories and honours a token issued before the restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-persist-'));
    const env = { PERSISTENCE: '1', DATA_DIR: dataDir, ECR_REGISTRY_BINARY: path.join(dataDir, 'none') };
    let bed = await startEcrTestBed(env);
    let token: string;
    try {
      await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: 'kept', imageTagMutability: 'IMMUTABLE' }));
      const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
      token = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').slice(4);
    } finally {
      await bed.close();
    }
    bed = await startEcrTestBed(env);
    try {
      const { repositories } = await bed.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['kept'] }));
      expect(repositories![0]).toMatchObject({ repositoryName: 'kept', imageTagMutability: 'IMMUTABLE' });
      const provider = bed.gw.gateway.registry.get('ecr') as unknown as {
        tokens: { verify(password: string, now: number): unknown };
      };
      expect(provider.tokens.verify(token, Date.now())).toEqual({ accountId: '000000000000', region: 'us-east-1' });
    } finally {
      await bed.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
