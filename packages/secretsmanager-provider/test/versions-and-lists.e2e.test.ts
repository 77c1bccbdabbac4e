import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  paginateListSecrets,
  type Filter,
  type ListSecretsCommandInput,
  type SecretListEntry,
} from '@aws-sdk/client-secrets-manager';
import { failure, startSecretsManager, uniqueName, type Harness } from './support';

describe('Secrets Manager versions, labels, lists and tags through the AWS SDK', () => {
  let sm: Harness;
  beforeAll(async () => {
    sm = await startSecretsManager();
  });
  afterAll(() => sm.close());

  const value = (SecretId: string, extra: { VersionId?: string; VersionStage?: string } = {}) =>
    sm.client.send(new GetSecretValueCommand({ SecretId, ...extra }));
  const stagesOf = async (SecretId: string) =>
    (await sm.client.send(new DescribeSecretCommand({ SecretId }))).VersionIdsToStages;

  it('moves AWSCURRENT to each new value and AWSPREVIOUS after it; older versions lose their labels', async () => {
    const name = uniqueName();
    const v1 = (await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'one' }))).VersionId!;
    const v2 = (await sm.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two' }))).VersionId!;
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
    const put3 = await sm.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'three' }));
    const v3 = put3.VersionId!;
    expect(put3.VersionStages).toEqual(['AWSCURRENT']);
    expect(await stagesOf(name)).toEqual({ [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT'] });
    expect((await value(name)).SecretString).toBe('three');
    expect((await value(name, { VersionStage: 'AWSPREVIOUS' })).SecretString).toBe('two');
    // A deprecated version is still readable by id, with no labels.
    expect(await value(name, { VersionId: v1 })).toMatchObject({ SecretString: 'one', VersionStages: [] });
    const listed = await sm.client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(listed.Versions!.map((v) => v.VersionId).sort()).toEqual([v2, v3].sort());
    const all = await sm.client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
  });

  it('puts a value under a custom label without moving AWSCURRENT, and treats a retried token as one version', async () => {
    const name = uniqueName();
    await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'live' }));
    const token = 'a'.repeat(32);
    const pending = await sm.client.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'next',
        ClientRequestToken: token,
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(pending).toMatchObject({ VersionId: token, VersionStages: ['AWSPENDING'] });
    expect((await value(name)).SecretString).toBe('live');
    expect((await value(name, { VersionStage: 'AWSPENDING' })).SecretString).toBe('next');
    const retried = await sm.client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'next', ClientRequestToken: token }),
    );
    expect(retried.VersionId).toBe(token);
    const changed = await failure(
      sm.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'other', ClientRequestToken: token })),
    );
    expect(changed.name).toBe('ResourceExistsException');
    const mismatch = await failure(value(name, { VersionId: token, VersionStage: 'AWSCURRENT' }));
    expect(mismatch.name).toBe('InvalidParameterException');
  });

  it('moves labels with UpdateSecretVersionStage, insisting on RemoveFromVersionId for a label in use', async () => {
    const name = uniqueName();
    const v1 = (await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'one' }))).VersionId!;
    const v2 = (
      await sm.client.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'two', VersionStages: ['AWSPENDING'] }),
      )
    ).VersionId!;
    const unnamed = await failure(
      sm.client.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: v2 }),
      ),
    );
    expect(unnamed).toMatchObject({ name: 'InvalidParameterException' });
    expect(unnamed.message).toContain(`currently attached to version ${v1}`);

    await sm.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v2,
        RemoveFromVersionId: v1,
      }),
    );
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSPENDING', 'AWSCURRENT'] });
    expect((await value(name)).SecretString).toBe('two');

    await sm.client.send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: v2 }),
    );
    expect(await stagesOf(name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
    const missing = await failure(
      sm.client.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'X', MoveToVersionId: 'b'.repeat(32) }),
      ),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('updates the description and, with a value, makes a new current version', async () => {
    const name = uniqueName();
    await sm.client.send(new CreateSecretCommand({ Name: name, SecretString: 'one', Description: 'old' }));
    const metadataOnly = await sm.client.send(new UpdateSecretCommand({ SecretId: name, Description: 'new' }));
    expect(metadataOnly.VersionId).toBeUndefined();
    const withValue = await sm.client.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'two' }));
    expect(await value(name)).toMatchObject({ SecretString: 'two', VersionId: withValue.VersionId });
    expect((await sm.client.send(new DescribeSecretCommand({ SecretId: name }))).Description).toBe('new');
  });

  it('tags and untags a secret', async () => {
    const name = uniqueName();
    await sm.client.send(new CreateSecretCommand({ Name: name, Tags: [{ Key: 'a', Value: '1' }] }));
    await sm.client.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          { Key: 'a', Value: '2' },
          { Key: 'b', Value: '3' },
        ],
      }),
    );
    expect((await sm.client.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'a', Value: '2' },
      { Key: 'b', Value: '3' },
    ]);
    await sm.client.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['a'] }));
    expect((await sm.client.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'b', Value: '3' },
    ]);
  });

  describe('listing', () => {
    const run = `list${process.pid}`;
    const names = [`${run}/alpha`, `${run}/beta`, `${run}/gamma`, `${run}/delta`, `${run}/deleted`];
    beforeAll(async () => {
      for (const [i, name] of names.entries()) {
        await sm.client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: `value-${i}`,
            Description: i % 2 === 0 ? 'Database credentials' : 'API key',
            Tags: [{ Key: i < 2 ? 'team' : 'owner', Value: i < 2 ? 'payments' : 'search' }],
          }),
        );
      }
      await sm.client.send(new DeleteSecretCommand({ SecretId: `${run}/deleted` }));
    });
    const list = async (Filters: Filter[], extra: Omit<ListSecretsCommandInput, 'Filters'> = {}) =>
      (await sm.client.send(new ListSecretsCommand({ Filters, ...extra }))).SecretList!.map((s) => s.Name);

    it('filters by name prefix, description, tags, negation and several filters at once', async () => {
      expect(await list([{ Key: 'name', Values: [`${run}/`] }])).toEqual(names.slice(0, 4));
      expect(await list([{ Key: 'name', Values: [`${run}/al`, `${run}/ga`] }])).toEqual([names[0], names[2]]);
      // name is case-sensitive, description is not.
      expect(await list([{ Key: 'name', Values: [`${run}/ALPHA`] }])).toEqual([]);
      expect(
        await list([
          { Key: 'name', Values: [run] },
          { Key: 'description', Values: ['database'] },
        ]),
      ).toEqual([names[0], names[2]]);
      expect(
        await list([
          { Key: 'name', Values: [run] },
          { Key: 'tag-key', Values: ['team'] },
        ]),
      ).toEqual([names[0], names[1]]);
      expect(
        await list([
          { Key: 'name', Values: [run] },
          { Key: 'tag-value', Values: ['!payments'] },
        ]),
      ).toEqual([names[2], names[3]]);
      expect(await list([{ Key: 'all', Values: [`${run} search`] }])).toEqual([names[2], names[3]]);
      expect(await list([{ Key: 'name', Values: [run] }], { IncludePlannedDeletion: true })).toEqual(names);
      expect(await list([{ Key: 'name', Values: [run] }], { SortBy: 'name', SortOrder: 'desc' })).toEqual([
        names[2],
        names[3],
        names[1],
        names[0],
      ]);
    });

    it('lists never the value, and pages with MaxResults and NextToken', async () => {
      const first = await sm.client.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [run] }], MaxResults: 3 }),
      );
      expect(first.SecretList).toHaveLength(3);
      expect(first.NextToken).toBeDefined();
      expect(JSON.stringify(first)).not.toContain('value-');
      const seen: SecretListEntry[] = [];
      for await (const page of paginateListSecrets(
        { client: sm.client, pageSize: 1 },
        { Filters: [{ Key: 'name', Values: [run] }] },
      )) {
        seen.push(...page.SecretList!);
      }
      expect(seen.map((s) => s.Name)).toEqual(names.slice(0, 4));
      expect(seen[0]!.SecretVersionsToStages).toEqual({
        [Object.keys(seen[0]!.SecretVersionsToStages!)[0]!]: ['AWSCURRENT'],
      });
      const bad = await failure(sm.client.send(new ListSecretsCommand({ NextToken: 'not-a-token' })));
      expect(bad.name).toBe('InvalidNextTokenException');
    });

    it('reads several values at once with BatchGetSecretValue, listing each failure', async () => {
      const byIds = await sm.client.send(
        new BatchGetSecretValueCommand({ SecretIdList: [names[0]!, 'no/such', names[4]!, names[1]!] }),
      );
      expect(byIds.SecretValues!.map((v) => [v.Name, v.SecretString])).toEqual([
        [names[0], 'value-0'],
        [names[1], 'value-1'],
      ]);
      expect(byIds.Errors).toEqual([
        { SecretId: 'no/such', ErrorCode: 'ResourceNotFoundException', Message: expect.any(String) },
        { SecretId: names[4], ErrorCode: 'InvalidRequestException', Message: expect.any(String) },
      ]);
      const byFilter = await sm.client.send(
        new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: [run] }], MaxResults: 3 }),
      );
      expect(byFilter.SecretValues!.map((v) => v.SecretString)).toEqual(['value-0', 'value-1', 'value-2']);
      const rest = await sm.client.send(
        new BatchGetSecretValueCommand({
          Filters: [{ Key: 'name', Values: [run] }],
          MaxResults: 3,
          NextToken: byFilter.NextToken,
        }),
      );
      expect(rest.SecretValues!.map((v) => v.SecretString)).toEqual(['value-3']);
      expect(rest.NextToken).toBeUndefined();
      const both = await failure(
        sm.client.send(
          new BatchGetSecretValueCommand({ SecretIdList: [names[0]!], Filters: [{ Key: 'name', Values: [run] }] }),
        ),
      );
      expect(both.name).toBe('InvalidParameterException');
    });
  });
});
