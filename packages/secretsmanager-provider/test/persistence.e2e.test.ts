import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { failure, startSecretsManager, type Harness } from './support';

describe('Secrets Manager state across a gateway restart (PERSISTENCE=1)', () => {
  let dataDir: string;
  let sm: Harness | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-secrets-'));
  });
  afterEach(async () => {
    await sm?.close();
    sm = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async () => (sm = await startSecretsManager({ PERSISTENCE: '1', DATA_DIR: dataDir }, 'eu-west-2'));
  const restart = async () => {
    await sm!.close();
    return start();
  };

  it('keeps secrets, their versions, labels, tags and scheduled deletions', async () => {
    let { client } = await start();
    const kept = await client.send(
      new CreateSecretCommand({ Name: 'db/password', SecretString: 'one', Tags: [{ Key: 'env', Value: 'dev' }] }),
    );
    const second = await client.send(new PutSecretValueCommand({ SecretId: 'db/password', SecretString: 'two' }));
    await client.send(new CreateSecretCommand({ Name: 'binary', SecretBinary: Uint8Array.from([7, 8, 9]) }));
    await client.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'x' }));
    await client.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 10 }));
    await client.send(new CreateSecretCommand({ Name: 'gone', SecretString: 'x' }));
    await client.send(new DeleteSecretCommand({ SecretId: 'gone', ForceDeleteWithoutRecovery: true }));

    ({ client } = await restart());
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
