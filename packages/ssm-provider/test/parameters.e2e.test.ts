import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  UnlabelParameterVersionCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { TestGateway } from '@localcloud/gateway/testing';
import { failure, ssmClient, startSsm } from './support';

describe('SSM Parameter Store through the AWS SDK', () => {
  let gateway: TestGateway;
  let ssm: SSMClient;

  beforeAll(async () => {
    gateway = await startSsm();
    ssm = ssmClient(gateway);
  });
  afterAll(async () => {
    ssm.destroy();
    await gateway.close();
  });

  const put = (
    Name: string,
    Value: string,
    extra: Partial<ConstructorParameters<typeof PutParameterCommand>[0]> = {},
  ) => ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));

  it('stores a String and reads it back with the ARN SSM forms', async () => {
    expect(await put('/app/db/host', 'db.local')).toMatchObject({ Version: 1, Tier: 'Standard' });
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/app/db/host' }));
    expect(Parameter).toMatchObject({
      Name: '/app/db/host',
      Type: 'String',
      Value: 'db.local',
      Version: 1,
      DataType: 'text',
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host',
    });
    expect(Parameter!.LastModifiedDate).toBeInstanceOf(Date);
    // A name without a slash gets `parameter/` + name; the ARN reads the same parameter.
    await put('plain-name', 'x');
    const byArn = await ssm.send(
      new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/plain-name' }),
    );
    expect(byArn.Parameter).toMatchObject({
      Name: 'plain-name',
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/plain-name',
    });
  });

  it('hides a SecureString unless WithDecryption, and reports its KMS key', async () => {
    await put('/app/secret', 's3cr3t-value', { Type: 'SecureString' });
    await put('/app/secret-cmk', 'other', { Type: 'SecureString', KeyId: 'alias/my-key' });
    const hidden = await ssm.send(new GetParameterCommand({ Name: '/app/secret' }));
    expect(hidden.Parameter!.Type).toBe('SecureString');
    expect(hidden.Parameter!.Value).not.toContain('s3cr3t');
    const shown = await ssm.send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }));
    expect(shown.Parameter!.Value).toBe('s3cr3t-value');
    const { Parameters } = await ssm.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Values: ['/app/secret', '/app/secret-cmk'] }],
      }),
    );
    expect(Parameters!.map((p) => [p.Name, p.KeyId])).toEqual([
      ['/app/secret', 'alias/aws/ssm'],
      ['/app/secret-cmk', 'alias/my-key'],
    ]);
  });

  it('versions on Overwrite, refuses a second put without it, and reads `name:version` and `name:label`', async () => {
    await put('/v/param', 'one');
    const again = await failure(put('/v/param', 'two'));
    expect(again).toMatchObject({ name: 'ParameterAlreadyExists', $metadata: { httpStatusCode: 400 } });
    expect(await ssm.send(new PutParameterCommand({ Name: '/v/param', Value: 'two', Overwrite: true }))).toMatchObject({
      Version: 2,
    });
    await put('/v/param', 'three', { Overwrite: true });
    const v1 = await ssm.send(new GetParameterCommand({ Name: '/v/param:1' }));
    expect(v1.Parameter).toMatchObject({ Value: 'one', Version: 1, Selector: ':1', Name: '/v/param' });
    expect(
      await ssm.send(
        new LabelParameterVersionCommand({ Name: '/v/param', ParameterVersion: 2, Labels: ['prod', '1bad'] }),
      ),
    ).toMatchObject({
      ParameterVersion: 2,
      InvalidLabels: ['1bad'],
    });
    const byLabel = await ssm.send(new GetParameterCommand({ Name: '/v/param:prod' }));
    expect(byLabel.Parameter).toMatchObject({ Value: 'two', Version: 2, Selector: ':prod' });
    // Moving a label takes it off the other version.
    await ssm.send(new LabelParameterVersionCommand({ Name: '/v/param', Labels: ['prod'] }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/v/param:prod' }))).Parameter!.Version).toBe(3);
    const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/v/param' }));
    expect(history.Parameters!.map((p) => [p.Version, p.Value, p.Labels])).toEqual([
      [1, 'one', []],
      [2, 'two', []],
      [3, 'three', ['prod']],
    ]);
    expect(
      await ssm.send(
        new UnlabelParameterVersionCommand({ Name: '/v/param', ParameterVersion: 3, Labels: ['prod', 'nope'] }),
      ),
    ).toMatchObject({ RemovedLabels: ['prod'], InvalidLabels: ['nope'] });

    const missingVersion = await failure(ssm.send(new GetParameterCommand({ Name: '/v/param:9' })));
    expect(missingVersion).toMatchObject({ name: 'ParameterVersionNotFound' });
    expect(missingVersion.message).toContain('could not find version 9 of /v/param');
    const missingLabel = await failure(ssm.send(new GetParameterCommand({ Name: '/v/param:prod' })));
    expect(missingLabel).toMatchObject({ name: 'ParameterVersionNotFound' });
  });

  it('pages through history', async () => {
    await put('/h/p', 'v1');
    for (let i = 2; i <= 5; i++) await put('/h/p', `v${i}`, { Overwrite: true });
    const first = await ssm.send(new GetParameterHistoryCommand({ Name: '/h/p', MaxResults: 2 }));
    expect(first.Parameters!.map((p) => p.Version)).toEqual([1, 2]);
    const second = await ssm.send(
      new GetParameterHistoryCommand({ Name: '/h/p', MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.Parameters!.map((p) => p.Version)).toEqual([3, 4]);
    const bad = await failure(ssm.send(new GetParameterHistoryCommand({ Name: '/h/p', NextToken: 'bogus' })));
    expect(bad.name).toBe('InvalidNextToken');
  });

  it('answers ParameterNotFound for a missing parameter, and lists it as invalid in GetParameters', async () => {
    const missing = await failure(ssm.send(new GetParameterCommand({ Name: '/does/not/exist' })));
    expect(missing).toMatchObject({ name: 'ParameterNotFound', $metadata: { httpStatusCode: 400 } });
    expect(missing.message).toBe('Parameter /does/not/exist not found.');
    // The longest name the model allows is quoted by its start: the message stays under 2 KB.
    const longest = `/${'n'.repeat(2_047)}`;
    expect(await failure(ssm.send(new GetParameterCommand({ Name: longest })))).toMatchObject({
      name: 'ParameterNotFound',
      message: `Parameter ${longest.slice(0, 1_024)}… not found.`,
    });
    await put('/g/a', 'A');
    await put('/g/b', 'B');
    const { Parameters, InvalidParameters } = await ssm.send(
      new GetParametersCommand({ Names: ['/g/a', '/g/b:1', '/g/missing', '/g/a:7'] }),
    );
    expect(Parameters!.map((p) => [p.Name, p.Value])).toEqual([
      ['/g/a', 'A'],
      ['/g/b', 'B'],
    ]);
    expect(InvalidParameters).toEqual(['/g/missing', '/g/a:7']);
  });

  it('refuses names, values and types SSM refuses', async () => {
    const cases: [Promise<unknown>, string, string?][] = [
      [put('aws-thing', 'x'), 'ValidationException', 'prefixed with "aws" or "ssm"'],
      [put('/SSM/thing', 'x'), 'ValidationException'],
      [put('a/b', 'x'), 'ValidationException', 'fully qualified'],
      [put('/a b', 'x'), 'ValidationException'],
      [put(`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, 'x'), 'HierarchyLevelLimitExceededException'],
      [ssm.send(new PutParameterCommand({ Name: '/no-type', Value: 'x' })), 'ValidationException', 'type is required'],
      [put('/empty', ''), 'ValidationException', 'length greater than or equal to 1'],
      [put('/big', 'x'.repeat(4097)), 'ValidationException', 'maximum parameter value of 4096'],
      [put('/digits', 'abc', { AllowedPattern: '^\\d+$' }), 'ParameterPatternMismatchException'],
      [put('/pattern', '1', { AllowedPattern: '(' }), 'InvalidAllowedPatternException'],
      [put('/dt', 'x', { DataType: 'Text' }), 'ValidationException', 'data type is not supported'],
      [put('/kid', 'x', { KeyId: 'alias/k' }), 'ValidationException'],
      [
        put('/both', 'x', { Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] }),
        'ValidationException',
        "tags and overwrite can't be used together",
      ],
      [put('/enum', 'x', { Type: 'Secret' as never }), 'ValidationException', 'enum value set'],
    ];
    for (const [call, code, text] of cases) {
      const error = await failure(call);
      expect({ code: error.name, status: error.$metadata.httpStatusCode }).toEqual({ code, status: 400 });
      if (text) expect(error.message).toContain(text);
    }
    // A big value fits the Advanced tier, and Intelligent-Tiering picks it.
    expect(await put('/big', 'x'.repeat(5000), { Tier: 'Intelligent-Tiering' })).toMatchObject({ Tier: 'Advanced' });
    expect(await put('/digits', '123', { AllowedPattern: '^\\d+$' })).toMatchObject({ Version: 1 });
    // The pattern stays with the parameter: a later value must match it too.
    expect((await failure(put('/digits', 'x', { Overwrite: true }))).name).toBe('ParameterPatternMismatchException');
  });

  it('lists a hierarchy by path, one level or recursively, with filters and pages', async () => {
    await put('/tree/a', '1');
    await put('/tree/b', '2', { Type: 'StringList' });
    await put('/tree/sub/c', '3', { Type: 'SecureString' });
    await put('/tree/sub/deeper/d', '4');
    await put('/treetop', 'not under /tree');
    const names = async (input: ConstructorParameters<typeof GetParametersByPathCommand>[0]) =>
      (await ssm.send(new GetParametersByPathCommand(input))).Parameters!.map((p) => p.Name);
    expect(await names({ Path: '/tree' })).toEqual(['/tree/a', '/tree/b']);
    expect(await names({ Path: '/tree/', Recursive: true })).toEqual([
      '/tree/a',
      '/tree/b',
      '/tree/sub/c',
      '/tree/sub/deeper/d',
    ]);
    expect(
      await names({ Path: '/tree', Recursive: true, ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] }),
    ).toEqual(['/tree/sub/c']);
    const secure = await ssm.send(new GetParametersByPathCommand({ Path: '/tree/sub', WithDecryption: true }));
    expect(secure.Parameters![0]!.Value).toBe('3');
    const pageOne = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', Recursive: true, MaxResults: 3 }));
    expect(pageOne.Parameters).toHaveLength(3);
    const pageTwo = await ssm.send(
      new GetParametersByPathCommand({ Path: '/tree', Recursive: true, MaxResults: 3, NextToken: pageOne.NextToken }),
    );
    expect(pageTwo.Parameters!.map((p) => p.Name)).toEqual(['/tree/sub/deeper/d']);
    expect(pageTwo.NextToken).toBeUndefined();
    const badKey = await failure(
      ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })),
    );
    expect(badKey.name).toBe('InvalidFilterKey');
    expect((await failure(ssm.send(new GetParametersByPathCommand({ Path: 'tree' })))).name).toBe(
      'ValidationException',
    );
    const tooMany = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', MaxResults: 11 })));
    expect(tooMany.message).toContain('less than or equal to 10');
  });

  it('describes parameters with filters, never their values', async () => {
    await put('/desc/one', 'v', { Description: 'first', Tags: [{ Key: 'team', Value: 'core' }] });
    await put('/desc/two', 'v', { Type: 'SecureString' });
    await put('/desc/deep/three', 'v', { Tier: 'Advanced' });
    const describe = async (input: ConstructorParameters<typeof DescribeParametersCommand>[0]) =>
      (await ssm.send(new DescribeParametersCommand({ MaxResults: 50, ...input }))).Parameters!;
    const all = await describe({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/desc'] }] });
    expect(all.map((p) => p.Name)).toEqual(['/desc/deep/three', '/desc/one', '/desc/two']);
    expect(all.find((p) => p.Name === '/desc/one')).toMatchObject({
      Description: 'first',
      Version: 1,
      Tier: 'Standard',
    });
    expect(JSON.stringify(all)).not.toContain('"Value"');
    expect(
      (await describe({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/desc/t'] }] })).map(
        (p) => p.Name,
      ),
    ).toEqual(['/desc/two']);
    expect((await describe({ ParameterFilters: [{ Key: 'tag:team', Values: ['core'] }] })).map((p) => p.Name)).toEqual([
      '/desc/one',
    ]);
    expect(
      (
        await describe({
          ParameterFilters: [
            { Key: 'Tier', Values: ['Advanced'] },
            { Key: 'Path', Option: 'Recursive', Values: ['/desc'] },
          ],
        })
      ).map((p) => p.Name),
    ).toEqual(['/desc/deep/three']);
    expect((await describe({ Filters: [{ Key: 'Name', Values: ['/desc/o'] }] })).map((p) => p.Name)).toEqual([
      '/desc/one',
    ]);
    const both = await failure(
      ssm.send(
        new DescribeParametersCommand({
          Filters: [{ Key: 'Type', Values: ['String'] }],
          ParameterFilters: [{ Key: 'Type', Values: ['String'] }],
        }),
      ),
    );
    expect(both.message).toBe('You can use either Filters or ParameterFilters in a single request.');
    const option = await failure(
      ssm.send(
        new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Type', Option: 'Contains', Values: ['String'] }] }),
      ),
    );
    expect(option.name).toBe('InvalidFilterOption');
    const value = `Secure${'x'.repeat(70_000)}`;
    expect(
      await failure(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Type', Values: [value] }] }))),
    ).toMatchObject({
      name: 'InvalidFilterValue',
      message: `The following filter value is not valid: ${value.slice(0, 100)}…. Valid values include: [String, StringList, SecureString].`,
    });
  });

  it('tags parameters, and deletes one or many', async () => {
    await put('/t/p', 'v', { Tags: [{ Key: 'a', Value: '1' }] });
    const ref = { ResourceType: 'Parameter' as const, ResourceId: '/t/p' };
    await ssm.send(new AddTagsToResourceCommand({ ...ref, Tags: [{ Key: 'b', Value: '2' }] }));
    await ssm.send(new RemoveTagsFromResourceCommand({ ...ref, TagKeys: ['a'] }));
    expect((await ssm.send(new ListTagsForResourceCommand(ref))).TagList).toEqual([{ Key: 'b', Value: '2' }]);
    expect((await failure(ssm.send(new ListTagsForResourceCommand({ ...ref, ResourceId: '/none' })))).name).toBe(
      'InvalidResourceId',
    );

    await ssm.send(new DeleteParameterCommand({ Name: '/t/p' }));
    expect((await failure(ssm.send(new GetParameterCommand({ Name: '/t/p' })))).name).toBe('ParameterNotFound');
    expect((await failure(ssm.send(new DeleteParameterCommand({ Name: '/t/p' })))).name).toBe('ParameterNotFound');
    await put('/t/x', '1');
    await put('/t/y', '2');
    expect(await ssm.send(new DeleteParametersCommand({ Names: ['/t/x', '/t/y', '/t/z'] }))).toMatchObject({
      DeletedParameters: ['/t/x', '/t/y'],
      InvalidParameters: ['/t/z'],
    });
    // A deleted name starts over at version 1.
    expect(await put('/t/x', 'again')).toMatchObject({ Version: 1 });
  });

  it('keeps each account and region apart', async () => {
    await put('/iso/p', 'home');
    const otherRegion = ssmClient(gateway, 'eu-west-1');
    const otherAccount = ssmClient(gateway, 'us-east-1', '111122223333');
    try {
      expect((await failure(otherRegion.send(new GetParameterCommand({ Name: '/iso/p' })))).name).toBe(
        'ParameterNotFound',
      );
      expect((await failure(otherAccount.send(new GetParameterCommand({ Name: '/iso/p' })))).name).toBe(
        'ParameterNotFound',
      );
      await otherAccount.send(new PutParameterCommand({ Name: '/iso/p', Value: 'away', Type: 'String' }));
      const { Parameter } = await otherAccount.send(new GetParameterCommand({ Name: '/iso/p' }));
      expect(Parameter).toMatchObject({ Value: 'away', ARN: 'arn:aws:ssm:us-east-1:111122223333:parameter/iso/p' });
      expect((await ssm.send(new GetParameterCommand({ Name: '/iso/p' }))).Parameter!.Value).toBe('home');
    } finally {
      otherRegion.destroy();
      otherAccount.destroy();
    }
  });
});
