import type { ProviderContext, RequestContext } from '@localcloud/gateway';
import { createLogger } from '@localcloud/gateway';
import { SecretsManagerProvider } from '../src';

/** The contract ECS relies on: `handle('GetSecretValue', …)` in-process, with AWS API shapes. */
describe('SecretsManagerProvider.handle called in-process', () => {
  const context = {
    logger: createLogger('error'),
    env: {},
    persistence: { enabled: false, dataDir: '/nonexistent' },
    lookupProvider: async () => undefined,
    sharedService: <T>(_key: string, create: () => T) => create(),
  } as unknown as ProviderContext;
  const request = (accountId: string, region: string, operation: string): RequestContext => ({
    requestId: 'in-process',
    service: 'secretsmanager',
    operation,
    accountId,
    region,
  });
  let now = Date.UTC(2026, 0, 1);
  const provider = new SecretsManagerProvider(context, { clock: () => now });
  afterAll(() => provider.stop());

  it('reads a secret by name, ARN, VersionId and VersionStage in the caller account and region only', async () => {
    const created = (await provider.handle(
      'CreateSecret',
      { Name: 'ecs/db', SecretString: 'pw1' },
      request('111111111111', 'eu-west-1', 'CreateSecret'),
    )) as { ARN: string; VersionId: string };
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecs\/db-[A-Za-z0-9]{6}$/);
    await provider.handle(
      'PutSecretValue',
      { SecretId: 'ecs/db', SecretString: 'pw2' },
      request('111111111111', 'eu-west-1', 'PutSecretValue'),
    );
    const get = (input: object, accountId = '111111111111', region = 'eu-west-1') =>
      provider.handle('GetSecretValue', input, request(accountId, region, 'GetSecretValue'));
    await expect(get({ SecretId: created.ARN })).resolves.toMatchObject({ SecretString: 'pw2' });
    await expect(get({ SecretId: 'ecs/db', VersionId: created.VersionId })).resolves.toMatchObject({
      SecretString: 'pw1',
      VersionStages: ['AWSPREVIOUS'],
    });
    await expect(get({ SecretId: 'ecs/db', VersionStage: 'AWSPREVIOUS' })).resolves.toMatchObject({
      SecretString: 'pw1',
    });
    await expect(get({ SecretId: 'ecs/db' }, '222222222222')).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
    await expect(get({ SecretId: 'ecs/db' }, '111111111111', 'us-east-1')).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
  });

  it('validates in-process input as it does HTTP input', async () => {
    await expect(
      provider.handle('GetSecretValue', {}, request('111111111111', 'eu-west-1', 'GetSecretValue')),
    ).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('deletes a secret for good once its recovery window has passed', async () => {
    const scope = request('333333333333', 'us-east-1', 'x');
    await provider.handle('CreateSecret', { Name: 'short-lived', SecretString: 'x' }, scope);
    await provider.handle('DeleteSecret', { SecretId: 'short-lived', RecoveryWindowInDays: 7 }, scope);
    now += 7 * 86_400_000 - 1;
    await expect(provider.handle('DescribeSecret', { SecretId: 'short-lived' }, scope)).resolves.toBeDefined();
    now += 1;
    await expect(provider.handle('DescribeSecret', { SecretId: 'short-lived' }, scope)).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
    await expect(
      provider.handle('CreateSecret', { Name: 'short-lived', SecretString: 'y' }, scope),
    ).resolves.toMatchObject({ Name: 'short-lived' });
  });
});
