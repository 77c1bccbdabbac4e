import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { failure, startSecretsManager, uniqueName, type Harness } from './support';

describe('Secrets Manager secrets through the AWS SDK', () => {
  let sm: Harness;
  beforeAll(async () => {
    sm = await startSecretsManager();
  });
  afterAll(() => sm.close());

  it('creates a string secret and reads it by name, full ARN and partial ARN', async () => {
    const name = uniqueName();
    const created = await sm.client.send(
      new CreateSecretCommand({ Name: name, SecretString: '{"password":"s3cr3t"}' }),
    );
    // AWS's ARN form: the name, a hyphen and six random characters.
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[A-Za-z0-9]{6}$`),
    );
    expect(created).toMatchObject({ Name: name, VersionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const partial = created.ARN!.slice(0, -7);
    for (const SecretId of [name, created.ARN!, partial]) {
      const value = await sm.client.send(new GetSecretValueCommand({ SecretId }));
      expect(value).toMatchObject({
        ARN: created.ARN,
        Name: name,
        VersionId: created.VersionId,
        SecretString: '{"password":"s3cr3t"}',
        VersionStages: ['AWSCURRENT'],
      });
      expect(value.CreatedDate).toBeInstanceOf(Date);
      expect(value.SecretBinary).toBeUndefined();
    }
  });

  it('keeps binary secrets byte for byte', async () => {
    const name = uniqueName();
    const bytes = Uint8Array.from([0, 1, 2, 250, 255, 10, 13]);
    await sm.client.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const value = await sm.client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(Buffer.from(value.SecretBinary!)).toEqual(Buffer.from(bytes));
    expect(value.SecretString).toBeUndefined();
  });

  it('refuses a second secret of the same name, and both kinds of value at once', async () => {
    const name = uniqueName();
    await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'a' }));
    const exists = await failure(sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'b' })));
    expect(exists).toMatchObject({
      name: 'ResourceExistsException',
      message: `The operation failed because the secret ${name} already exists.`,
      $metadata: { httpStatusCode: 400 },
    });
    const both = await failure(
      sm.client.send(
        new CreateSecretCommand({ Name: uniqueName(), SecretString: 'a', SecretBinary: Uint8Array.from([1]) }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
  });

  it('answers ResourceNotFoundException for unknown secrets, ARNs of another region and missing versions', async () => {
    const missing = await failure(sm.client.send(new GetSecretValueCommand({ SecretId: 'no/such/secret' })));
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
    const name = uniqueName();
    const created = await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const otherRegion = created.ARN!.replace('us-east-1', 'eu-west-1');
    expect((await failure(sm.client.send(new GetSecretValueCommand({ SecretId: otherRegion })))).name).toBe(
      'ResourceNotFoundException',
    );
    const wrongSuffix = created.ARN!.slice(0, -6) + (created.ARN!.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    expect((await failure(sm.client.send(new GetSecretValueCommand({ SecretId: wrongSuffix })))).name).toBe(
      'ResourceNotFoundException',
    );
    const noPrevious = await failure(
      sm.client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' })),
    );
    expect(noPrevious.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
    // A secret created without a value has no AWSCURRENT version yet.
    const empty = uniqueName();
    const noValue = await sm.client.send(new CreateSecretCommand({ Name: empty }));
    expect(noValue.VersionId).toBeUndefined();
    expect((await failure(sm.client.send(new GetSecretValueCommand({ SecretId: empty })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('describes a secret without its value', async () => {
    const name = uniqueName();
    const created = await sm.client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'hidden',
        Description: 'database password',
        KmsKeyId: 'alias/app',
        Tags: [{ Key: 'team', Value: 'core' }],
      }),
    );
    const described = await sm.client.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    expect(described).toMatchObject({
      ARN: created.ARN,
      Name: name,
      Description: 'database password',
      KmsKeyId: 'alias/app',
      Tags: [{ Key: 'team', Value: 'core' }],
      VersionIdsToStages: { [created.VersionId!]: ['AWSCURRENT'] },
    });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(JSON.stringify(described)).not.toContain('hidden');
  });

  it('deletes with a recovery window, refuses reads until restored, and restores', async () => {
    const name = uniqueName();
    await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const before = Date.now();
    const deleted = await sm.client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const days = (deleted.DeletionDate!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    const read = await failure(sm.client.send(new GetSecretValueCommand({ SecretId: name })));
    expect(read).toMatchObject({
      name: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
    expect((await sm.client.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date);
    const again = await failure(sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'v2' })));
    expect(again.name).toBe('InvalidRequestException');

    await sm.client.send(new RestoreSecretCommand({ SecretId: name }));
    expect((await sm.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
    expect((await sm.client.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeUndefined();
  });

  it('force-deletes at once, after which the name can be used again under a new ARN', async () => {
    const name = uniqueName();
    const first = await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'old' }));
    await sm.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect((await failure(sm.client.send(new DescribeSecretCommand({ SecretId: name })))).name).toBe(
      'ResourceNotFoundException',
    );
    const second = await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'new' }));
    expect(second.ARN).not.toBe(first.ARN);
    expect((await sm.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('new');
    expect((await failure(sm.client.send(new GetSecretValueCommand({ SecretId: first.ARN })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('refuses bad deletion parameters with InvalidParameterException', async () => {
    const name = uniqueName();
    await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    for (const input of [
      { SecretId: name, RecoveryWindowInDays: 6 },
      { SecretId: name, RecoveryWindowInDays: 31 },
      { SecretId: name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true },
    ]) {
      const error = await failure(sm.client.send(new DeleteSecretCommand(input)));
      expect(error).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    }
    expect((await sm.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('x');
  });

  it('validates input against the model before any handler', async () => {
    const error = await failure(sm.client.send(new GetSecretValueCommand({} as never)));
    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(error.message).toContain("Value null at 'SecretId' failed to satisfy constraint: Member must not be null");
  });

  it('answers RotateSecret with NotImplementedException: rotation needs a Lambda function', async () => {
    const error = await failure(sm.client.send(new RotateSecretCommand({ SecretId: 'x' })));
    expect(error).toMatchObject({ name: 'NotImplementedException', $metadata: { httpStatusCode: 501 } });
  });
});
