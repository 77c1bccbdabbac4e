import { awsCliJson, requireAwsCliV2 } from '@localcloud/gateway/testing';
import { startSecretsManager, type Harness } from './support';

const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws secretsmanager (AWS CLI v2) against localcloud', () => {
  let sm: Harness;
  beforeAll(async () => {
    sm = await startSecretsManager();
  });
  afterAll(() => sm.close());

  /** Runs `aws secretsmanager …` and parses its JSON; rejects with the CLI's error. */
  const aws = (...args: string[]): Promise<Record<string, any>> =>
    awsCliJson(cli!, sm.gateway.url, ['secretsmanager', ...args]);

  it('creates, reads, updates, lists, deletes and restores a secret', async () => {
    const created = await aws('create-secret', '--name', 'cli/db', '--secret-string', '{"user":"app","pass":"pw1"}');
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:cli\/db-[A-Za-z0-9]{6}$/);
    expect((await aws('get-secret-value', '--secret-id', created.ARN)).SecretString).toBe(
      '{"user":"app","pass":"pw1"}',
    );
    await aws('put-secret-value', '--secret-id', 'cli/db', '--secret-string', 'pw2');
    expect((await aws('get-secret-value', '--secret-id', 'cli/db')).SecretString).toBe('pw2');
    const previous = await aws('get-secret-value', '--secret-id', 'cli/db', '--version-stage', 'AWSPREVIOUS');
    expect(previous.SecretString).toBe('{"user":"app","pass":"pw1"}');
    const described = await aws('describe-secret', '--secret-id', 'cli/db');
    expect(Object.values(described.VersionIdsToStages as Record<string, string[]>).sort()).toEqual([
      ['AWSCURRENT'],
      ['AWSPREVIOUS'],
    ]);
    // The CLI pages through ListSecrets by itself.
    const listed = await aws('list-secrets', '--filters', 'Key=name,Values=cli/', '--page-size', '1');
    expect(listed.SecretList.map((s: { Name: string }) => s.Name)).toEqual(['cli/db']);

    const deleted = await aws('delete-secret', '--secret-id', 'cli/db', '--recovery-window-in-days', '7');
    expect(deleted.Name).toBe('cli/db');
    expect(typeof deleted.DeletionDate).toBe('string'); // the CLI printed a timestamp it parsed
    await aws('restore-secret', '--secret-id', 'cli/db');
    expect((await aws('get-secret-value', '--secret-id', 'cli/db')).SecretString).toBe('pw2');
    await aws('delete-secret', '--secret-id', 'cli/db', '--force-delete-without-recovery');
    await expect(aws('get-secret-value', '--secret-id', 'cli/db')).rejects.toThrow(/ResourceNotFoundException/);
  }, 120_000);

  it('stores a binary secret given as base64 and hands the same bytes back', async () => {
    await aws('create-secret', '--name', 'cli/bin', '--secret-binary', Buffer.from([1, 2, 3, 254]).toString('base64'));
    const value = await aws('get-secret-value', '--secret-id', 'cli/bin');
    expect([...Buffer.from(value.SecretBinary as string, 'base64')]).toEqual([1, 2, 3, 254]);
  }, 60_000);
});
