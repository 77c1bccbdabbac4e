import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  GetQueryResultsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogGroupDeletionProtectionCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import { failure, useLogsGateway } from './support';

describe('CloudWatch Logs log groups through the AWS SDK', () => {
  const gw = useLogsGateway();

  it('creates a log group and describes it with both ARN forms', async () => {
    const logs = gw.client('100000000001');
    const before = Date.now();
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/web' }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}));
    expect(logGroups).toHaveLength(1);
    expect(logGroups![0]).toEqual({
      logGroupName: '/app/web',
      creationTime: expect.any(Number),
      metricFilterCount: 0,
      arn: 'arn:aws:logs:us-east-1:100000000001:log-group:/app/web:*',
      logGroupArn: 'arn:aws:logs:us-east-1:100000000001:log-group:/app/web',
      storedBytes: 0,
      logGroupClass: 'STANDARD',
      deletionProtectionEnabled: false,
    });
    expect(logGroups![0]!.creationTime).toBeGreaterThanOrEqual(before);
  });

  it('refuses a second log group of the same name', async () => {
    const logs = gw.client('100000000002');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' }));
    const error = await failure(logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' })));
    expect(error).toMatchObject({
      name: 'ResourceAlreadyExistsException',
      message: 'The specified log group already exists',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    ['empty', '', 'Member must have length greater than or equal to 1'],
    ['513 characters', 'a'.repeat(513), 'Member must have length less than or equal to 512'],
    ['with a space', 'bad name', 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+'],
    ['with a colon', 'bad:name', 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+'],
  ])('refuses a log group name %s', async (_label, name, constraint) => {
    const error = await failure(gw.client().send(new CreateLogGroupCommand({ logGroupName: name })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain(`at 'logGroupName' failed to satisfy constraint: ${constraint}`);
  });

  it('builds ARNs in the partition of the region, and finds the group by them', async () => {
    const logs = gw.client('100000000099', 'us-gov-west-1');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'gov' }));
    const arn = 'arn:aws-us-gov:logs:us-gov-west-1:100000000099:log-group:gov';
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupIdentifiers: [arn] }));
    expect(logGroups).toEqual([expect.objectContaining({ logGroupName: 'gov', logGroupArn: arn, arn: `${arn}:*` })]);
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { team: 'gov' } }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: 'gov' });
  });

  it('accepts every character AWS allows in a log group name', async () => {
    const logs = gw.client('100000000003');
    const name = '/aws/ecs/My_App-1.0#blue';
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}));
    expect(logGroups!.map((g) => g.logGroupName)).toEqual([name]);
  });

  it('answers a missing required member with AWS validation message', async () => {
    const error = await failure(gw.client().send(new CreateLogGroupCommand({} as never)));
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
    });
  });

  it('deletes a log group, and says when it does not exist', async () => {
    const logs = gw.client('100000000004');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'gone' }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'gone' }));
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    const error = await failure(logs.send(new DeleteLogGroupCommand({ logGroupName: 'gone' })));
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('lists log groups in name order, by prefix, by pattern and page by page', async () => {
    const logs = gw.client('100000000005');
    const names = ['/b/two', '/a/one', '/b/one', '/c/B-data', '/a/two', 'zeta', '/c/b-data'];
    for (const logGroupName of names) await logs.send(new CreateLogGroupCommand({ logGroupName }));

    const all = await logs.send(new DescribeLogGroupsCommand({}));
    expect(all.logGroups!.map((g) => g.logGroupName)).toEqual([...names].sort());
    expect(all.nextToken).toBeUndefined();

    const byPrefix = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/b/' }));
    expect(byPrefix.logGroups!.map((g) => g.logGroupName)).toEqual(['/b/one', '/b/two']);

    // A case-sensitive substring; only name, creation time and ARN come back.
    const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'B-data' }));
    expect(byPattern.logGroups).toEqual([
      {
        logGroupName: '/c/B-data',
        creationTime: expect.any(Number),
        arn: expect.stringMatching(/:log-group:\/c\/B-data:\*$/),
      },
    ]);

    const first = await logs.send(new DescribeLogGroupsCommand({ limit: 3 }));
    expect(first.logGroups!.map((g) => g.logGroupName)).toEqual(['/a/one', '/a/two', '/b/one']);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await logs.send(new DescribeLogGroupsCommand({ limit: 3, nextToken: first.nextToken }));
    expect(second.logGroups!.map((g) => g.logGroupName)).toEqual(['/b/two', '/c/B-data', '/c/b-data']);
    const third = await logs.send(new DescribeLogGroupsCommand({ limit: 3, nextToken: second.nextToken }));
    expect(third.logGroups!.map((g) => g.logGroupName)).toEqual(['zeta']);
    expect(third.nextToken).toBeUndefined();

    const paged: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, {})) {
      paged.push(...page.logGroups!.map((g) => g.logGroupName!));
    }
    expect(paged).toEqual([...names].sort());
  });

  it('refuses a name prefix together with a name pattern, and a limit above 50', async () => {
    const logs = gw.client();
    const both = await failure(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/a', logGroupNamePattern: 'a' })),
    );
    expect(both.name).toBe('InvalidParameterException');
    const limit = await failure(logs.send(new DescribeLogGroupsCommand({ limit: 51 })));
    expect(limit).toMatchObject({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
    });
    const token = await failure(logs.send(new DescribeLogGroupsCommand({ nextToken: 'garbage' })));
    expect(token.name).toBe('InvalidParameterException');
  });

  it('sets and removes a retention policy, accepting only the values AWS allows', async () => {
    const logs = gw.client('100000000006');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'kept' }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'kept', retentionInDays: 14 }));
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups![0]!.retentionInDays).toBe(14);

    const invalid = await failure(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: 'kept', retentionInDays: 4 })),
    );
    expect(invalid).toMatchObject({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value '4' at 'retentionInDays' failed to satisfy constraint: Member must satisfy " +
        'enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]',
    });

    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'kept' }));
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups![0]!.retentionInDays).toBeUndefined();

    const missing = await failure(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: 'nope', retentionInDays: 1 })),
    );
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
    const missingDelete = await failure(logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'nope' })));
    expect(missingDelete.name).toBe('ResourceNotFoundException');
  });

  it('protects a log group from deletion when asked to', async () => {
    const logs = gw.client('100000000007');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'precious', deletionProtectionEnabled: true }));
    const error = await failure(logs.send(new DeleteLogGroupCommand({ logGroupName: 'precious' })));
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Cannot delete log group with deletion protection enabled. Disable deletion protection first.',
    });
    await logs.send(
      new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: 'precious', deletionProtectionEnabled: false }),
    );
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'precious' }));
  });

  it('tags a log group by ARN and by name', async () => {
    const logs = gw.client('100000000008');
    const arn = 'arn:aws:logs:us-east-1:100000000008:log-group:/tagged';
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/tagged', tags: { team: 'core' } }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: 'core' });

    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'dev', team: 'platform' } }));
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: '/tagged' }))).tags).toEqual({
      team: 'platform',
      env: 'dev',
    });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    await logs.send(new TagLogGroupCommand({ logGroupName: '/tagged', tags: { owner: 'me' } }));
    await logs.send(new UntagLogGroupCommand({ logGroupName: '/tagged', tags: ['env'] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ owner: 'me' });

    // The ARN DescribeLogGroups returns as `arn` (with `:*`) names the same group.
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}:*` }))).tags).toEqual({
      owner: 'me',
    });
  });

  it('refuses bad tags, too many tags and unknown resources', async () => {
    const logs = gw.client('100000000009');
    const arn = 'arn:aws:logs:us-east-1:100000000009:log-group:t';
    await logs.send(new CreateLogGroupCommand({ logGroupName: 't' }));
    const reserved = await failure(logs.send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:x': 'y' } })));
    expect(reserved.name).toBe('InvalidParameterException');
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: fifty }));
    const tooMany = await failure(logs.send(new TagResourceCommand({ resourceArn: arn, tags: { one: 'more' } })));
    expect(tooMany).toMatchObject({ name: 'TooManyTagsException', $metadata: { httpStatusCode: 400 } });
    const otherAccount = await failure(
      logs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:999999999999:log-group:t' })),
    );
    expect(otherAccount.name).toBe('ResourceNotFoundException');
    const notAnArn = await failure(logs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecs:x' })));
    expect(notAnArn.name).toBe('InvalidParameterException');
  });

  it('keeps accounts and regions apart', async () => {
    await gw.client('200000000001', 'us-east-1').send(new CreateLogGroupCommand({ logGroupName: 'iso' }));
    await gw.client('200000000001', 'eu-west-1').send(new CreateLogGroupCommand({ logGroupName: 'iso-eu' }));
    const names = async (account: string, region: string) =>
      ((await gw.client(account, region).send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map(
        (g) => g.logGroupName,
      );
    expect(await names('200000000001', 'us-east-1')).toEqual(['iso']);
    expect(await names('200000000001', 'eu-west-1')).toEqual(['iso-eu']);
    expect(await names('200000000002', 'us-east-1')).toEqual([]);
  });

  it('answers an operation localcloud does not implement with an honest 501', async () => {
    const error = await failure(gw.client().send(new GetQueryResultsCommand({ queryId: 'q' })));
    expect(error).toMatchObject({ name: 'NotImplementedException', $metadata: { httpStatusCode: 501 } });
  });
});
