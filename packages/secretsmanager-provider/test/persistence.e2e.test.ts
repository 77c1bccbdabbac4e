import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { testCredentials, usePersistentGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';
import { failure } from './support';

describe('Secrets Manager state across a gateway restart (PERSISTENCE=1)', () => {
  const { start, stop } = usePersistentGateway({
    env: { SERVICES: 'secretsmanager' },
    providers: { secretsmanager: createProvider },
    client: (gateway) =>
      new SecretsManagerClient({ endpoint: gateway.url, region: 'eu-west-2', credentials: testCredentials() }),
  });

  it('keeps secrets, their versions, labels, tags and scheduled deletions', async () => {
    let client = await start();
    const kept = await client.send(
      new CreateSecretCommand({ Name: 'db/password', SecretString: 'one', Tags: [{ Key: 'env', Value: 'dev' }] }),
    );
    const second = await client.send(new PutSecretValueCommand({ SecretId: 'db/password', SecretString: 'two' }));
    await client.send(new CreateSecretCommand({ Name: 'binary', SecretBinary: Uint8Array.from([7, 8, 9]) }));
    await client.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'x' }));
    await client.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 10 }));
    await client.send(new CreateSecretCommand({ Name: 'gone', SecretString: 'x' }));
    await client.send(new DeleteSecretCommand({ SecretId: 'gone', ForceDeleteWithoutRecovery: true }));

    await stop();
    client = await start();
    const current = await client.send(new GetSecretValueCommand({ SecretId: kept.ARN }));
    expect(current).toMatchObject({ SecretString: 'two', VersionId: second.VersionId, VersionStages: ['AWSCURRENT'] });
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'db/password', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous).toMatchObject({ SecretString: 'one', VersionId: kept.VersionId });
    expect((await client.send(new DescribeSecretCommand({ SecretId: 'db/password' }))).Tags).toEqual([
      { Key: 'env', Value: 'dev' },
    ]);
    const binary = await client.send(new GetSecretValueCommand({ SecretId: 'binary' }));
    expect([...binary.SecretBinary!]).toEqual([7, 8, 9]);
    expect((await failure(client.send(new GetSecretValueCommand({ SecretId: 'doomed' })))).name).toBe(
      'InvalidRequestException',
    );
    expect((await failure(client.send(new DescribeSecretCommand({ SecretId: 'gone' })))).name).toBe(
      'ResourceNotFoundException',
    );
    // The name index is rebuilt from the journal: names stay taken.
    expect((await failure(client.send(new CreateSecretCommand({ Name: 'db/password' })))).name).toBe(
      'ResourceExistsException',
    );
  });
});
