import { awsCliJson, requireAwsCliV2, type TestGateway } from '@localcloud/gateway/testing';
import { startSsm } from './support';

const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws ssm (AWS CLI v2) against localcloud', () => {
  let gateway: TestGateway;
  const aws = (...args: string[]) => awsCliJson(cli!, gateway.url, ['ssm', ...args]);

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
