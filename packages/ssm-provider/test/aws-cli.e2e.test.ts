import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireAwsCliV2, type TestGateway } from '@localcloud/gateway/testing';
import { startSsm } from './support';

const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws ssm (AWS CLI v2) against localcloud', () => {
  let gateway: TestGateway;
  const aws = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(
      cli!,
      ['--endpoint-url', gateway.url, '--output', 'json', 'ssm', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_PAGER: '',
        },
        timeout: 60_000,
      },
    );
    return stdout.trim() ? JSON.parse(stdout) : {};
  };

  beforeAll(async () => {
    gateway = await startSsm();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('puts, gets, lists by path (the CLI pages through NextToken) and deletes', async () => {
    expect(await aws('put-parameter', '--name', '/cli/a', '--value', 'hello', '--type', 'String')).toEqual({
      Version: 1,
      Tier: 'Standard',
    });
    await aws('put-parameter', '--name', '/cli/secret', '--value', 'pw', '--type', 'SecureString');
    for (let i = 0; i < 11; i++)
      await aws('put-parameter', '--name', `/cli/many/p${i}`, '--value', `${i}`, '--type', 'String');
    const got = await aws('get-parameter', '--name', '/cli/secret', '--with-decryption');
    expect(got.Parameter).toMatchObject({ Name: '/cli/secret', Value: 'pw', Type: 'SecureString', Version: 1 });
    const listed = await aws('get-parameters-by-path', '--path', '/cli', '--recursive');
    expect(listed.Parameters).toHaveLength(13);
    const described = await aws(
      'describe-parameters',
      '--parameter-filters',
      'Key=Name,Option=BeginsWith,Values=/cli/many',
    );
    expect(described.Parameters).toHaveLength(11);
    await aws('delete-parameter', '--name', '/cli/a');
    await expect(aws('get-parameter', '--name', '/cli/a')).rejects.toThrow(/ParameterNotFound/);
  });
});
