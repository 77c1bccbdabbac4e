import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogStreamCommand,
  DescribeLogStreamsCommand,
  PutLogEventsCommand,
  paginateDescribeLogStreams,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { failure, useLogsGateway } from './support';

describe('CloudWatch Logs log streams through the AWS SDK', () => {
  const gw = useLogsGateway();

  async function groupWithStreams(logs: CloudWatchLogsClient, group: string, streams: string[]) {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    for (const logStreamName of streams) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName }));
    }
  }

  const names = (result: { logStreams?: { logStreamName?: string }[] }) =>
    (result.logStreams ?? []).map((s) => s.logStreamName);

  it('creates a log stream and describes it', async () => {
    const logs = gw.client('300000000001');
    const before = Date.now();
    await groupWithStreams(logs, '/g', ['app/web/1']);
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g' }));
    expect(logStreams).toEqual([
      {
        logStreamName: 'app/web/1',
        creationTime: expect.any(Number),
        arn: 'arn:aws:logs:us-east-1:300000000001:log-group:/g:log-stream:app/web/1',
        storedBytes: 0,
        uploadSequenceToken: expect.stringMatching(/^\d{56}$/),
      },
    ]);
    expect(logStreams![0]!.creationTime).toBeGreaterThanOrEqual(before);
  });

  it('shows event times once a stream has events', async () => {
    const logs = gw.client('300000000002');
    await groupWithStreams(logs, '/g', ['s']);
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/g',
        logStreamName: 's',
        logEvents: [
          { timestamp: now - 2000, message: 'one' },
          { timestamp: now - 1000, message: 'two' },
        ],
      }),
    );
    const [stream] = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g' }))).logStreams!;
    expect(stream).toMatchObject({
      firstEventTimestamp: now - 2000,
      lastEventTimestamp: now - 1000,
      lastIngestionTime: expect.any(Number),
    });
    expect(stream!.lastIngestionTime).toBeGreaterThanOrEqual(now);
  });

  it('refuses duplicate streams, streams of missing groups and bad names', async () => {
    const logs = gw.client('300000000003');
    await groupWithStreams(logs, '/g', ['s']);
    expect(
      await failure(logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 's' }))),
    ).toMatchObject({
      name: 'ResourceAlreadyExistsException',
      message: 'The specified log stream already exists',
      $metadata: { httpStatusCode: 400 },
    });
    expect(
      await failure(logs.send(new CreateLogStreamCommand({ logGroupName: '/x', logStreamName: 's' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
    for (const bad of ['a:b', 'a*b', '', 'x'.repeat(513)]) {
      const error = await failure(logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: bad })));
      expect(error.name).toBe('InvalidParameterException');
      expect(error.message).toContain("at 'logStreamName' failed to satisfy constraint");
    }
  });

  it('deletes a stream, and says when it does not exist', async () => {
    const logs = gw.client('300000000004');
    await groupWithStreams(logs, '/g', ['s', 't']);
    await logs.send(new DeleteLogStreamCommand({ logGroupName: '/g', logStreamName: 's' }));
    expect(names(await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g' })))).toEqual(['t']);
    expect(
      await failure(logs.send(new DeleteLogStreamCommand({ logGroupName: '/g', logStreamName: 's' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
    expect(await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: '/none' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });

  it('orders by name, by last event time, ascending and descending', async () => {
    const logs = gw.client('300000000005');
    await groupWithStreams(logs, '/g', ['b', 'c', 'a', 'empty']);
    const now = Date.now();
    const put = (logStreamName: string, timestamp: number) =>
      logs.send(
        new PutLogEventsCommand({ logGroupName: '/g', logStreamName, logEvents: [{ timestamp, message: 'x' }] }),
      );
    await put('a', now - 1000);
    await put('b', now - 3000);
    await put('c', now - 2000);

    expect(names(await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g' })))).toEqual([
      'a',
      'b',
      'c',
      'empty',
    ]);
    expect(names(await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g', descending: true })))).toEqual([
      'empty',
      'c',
      'b',
      'a',
    ]);
    expect(
      names(await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g', orderBy: 'LastEventTime' }))),
    ).toEqual(['empty', 'b', 'c', 'a']);
    expect(
      names(
        await logs.send(
          new DescribeLogStreamsCommand({ logGroupName: '/g', orderBy: 'LastEventTime', descending: true }),
        ),
      ),
    ).toEqual(['a', 'c', 'b', 'empty']);
  });

  it('filters by name prefix, but not when ordering by last event time', async () => {
    const logs = gw.client('300000000006');
    await groupWithStreams(logs, '/g', ['web/1', 'web/2', 'worker/1']);
    expect(
      names(await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g', logStreamNamePrefix: 'web/' }))),
    ).toEqual(['web/1', 'web/2']);
    const error = await failure(
      logs.send(
        new DescribeLogStreamsCommand({ logGroupName: '/g', logStreamNamePrefix: 'web/', orderBy: 'LastEventTime' }),
      ),
    );
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Cannot order by LastEventTime with a logStreamNamePrefix.',
      $metadata: { httpStatusCode: 400 },
    });
    const badOrder = await failure(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g', orderBy: 'Size' as never })),
    );
    expect(badOrder.message).toContain('Member must satisfy enum value set: [LogStreamName, LastEventTime]');
  });

  it('pages through many streams in either order', async () => {
    const logs = gw.client('300000000007');
    const all = Array.from({ length: 23 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    await groupWithStreams(logs, '/g', all);
    for (const descending of [false, true]) {
      const seen: string[] = [];
      let pages = 0;
      for await (const page of paginateDescribeLogStreams(
        { client: logs, pageSize: 5 },
        { logGroupName: '/g', descending },
      )) {
        pages++;
        seen.push(...names(page).map(String));
      }
      expect(pages).toBe(5);
      expect(seen).toEqual(descending ? [...all].reverse() : all);
    }
    const first = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g', limit: 50 }));
    expect(first.logStreams).toHaveLength(23);
    expect(first.nextToken).toBeUndefined();
  });

  it('finds the group by logGroupIdentifier, a name or an ARN', async () => {
    const logs = gw.client('300000000008');
    await groupWithStreams(logs, '/id', ['s']);
    for (const logGroupIdentifier of ['/id', 'arn:aws:logs:us-east-1:300000000008:log-group:/id']) {
      expect(names(await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier })))).toEqual(['s']);
    }
    const both = await failure(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: '/id', logGroupIdentifier: '/id' })),
    );
    expect(both.name).toBe('InvalidParameterException');
    const neither = await failure(logs.send(new DescribeLogStreamsCommand({})));
    expect(neither.name).toBe('InvalidParameterException');
  });
});
