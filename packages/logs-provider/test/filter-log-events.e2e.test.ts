import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
  type FilterLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { failure, useLogsGateway } from './support';

describe('CloudWatch Logs FilterLogEvents through the AWS SDK', () => {
  const gw = useLogsGateway();
  const base = Date.now() - 60_000;

  /** Group /f with streams app/1, app/2 and worker/1; events interleave in time across them. */
  async function fixture(account: string): Promise<CloudWatchLogsClient> {
    const logs = gw.client(account);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/f' }));
    const streams: Record<string, [number, string][]> = {
      'app/1': [
        [0, 'INFO started web'],
        [30, 'ERROR Failed to connect to db'],
        [60, 'WARN slow request /api/users'],
      ],
      'app/2': [
        [10, 'INFO started web'],
        [40, 'ERROR timeout talking to cache'],
        [70, '{"level":"error","latency":512,"path":"/api/orders"}'],
      ],
      'worker/1': [
        [20, 'DEBUG polling queue'],
        [50, 'ERROR Failed to process job 7'],
        [80, '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'],
      ],
    };
    for (const [logStreamName, events] of Object.entries(streams)) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: '/f', logStreamName }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: '/f',
          logStreamName,
          logEvents: events.map(([offset, message]) => ({ timestamp: base + offset, message })),
        }),
      );
    }
    return logs;
  }

  const search = async (logs: CloudWatchLogsClient, input: Partial<FilterLogEventsCommandInput>) =>
    (await logs.send(new FilterLogEventsCommand({ logGroupName: '/f', ...input }))).events!.map((e) => e.message);

  it('returns every event of every stream, interleaved by timestamp, with stream names and event ids', async () => {
    const logs = await fixture('500000000001');
    const result = await logs.send(new FilterLogEventsCommand({ logGroupName: '/f' }));
    expect(result.events!.map((e) => e.timestamp! - base)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
    expect(result.events![0]).toEqual({
      logStreamName: 'app/1',
      timestamp: base,
      message: 'INFO started web',
      ingestionTime: expect.any(Number),
      eventId: expect.stringMatching(/^\d{56}$/),
    });
    expect(new Set(result.events!.map((e) => e.eventId)).size).toBe(9);
    expect(result.nextToken).toBeUndefined();
    expect(result.searchedLogStreams).toEqual([
      { logStreamName: 'app/1', searchedCompletely: true },
      { logStreamName: 'app/2', searchedCompletely: true },
      { logStreamName: 'worker/1', searchedCompletely: true },
    ]);
  });

  it('matches plain terms (all must appear, case-sensitive), quoted phrases, alternatives and exclusions', async () => {
    const logs = await fixture('500000000002');
    expect(await search(logs, { filterPattern: 'ERROR' })).toEqual([
      'ERROR Failed to connect to db',
      'ERROR timeout talking to cache',
      'ERROR Failed to process job 7',
    ]);
    expect(await search(logs, { filterPattern: 'ERROR Failed' })).toEqual([
      'ERROR Failed to connect to db',
      'ERROR Failed to process job 7',
    ]);
    expect(await search(logs, { filterPattern: 'failed' })).toEqual([]);
    expect(await search(logs, { filterPattern: '"Failed to process"' })).toEqual(['ERROR Failed to process job 7']);
    expect(await search(logs, { filterPattern: '?WARN ?DEBUG' })).toEqual([
      'DEBUG polling queue',
      'WARN slow request /api/users',
    ]);
    expect(await search(logs, { filterPattern: 'ERROR -cache' })).toEqual([
      'ERROR Failed to connect to db',
      'ERROR Failed to process job 7',
    ]);
    expect(await search(logs, { filterPattern: '' })).toHaveLength(9);
  });

  it('matches JSON, space-delimited and regular expression patterns', async () => {
    const logs = await fixture('500000000003');
    expect(await search(logs, { filterPattern: '{ $.level = "error" && $.latency > 500 }' })).toEqual([
      '{"level":"error","latency":512,"path":"/api/orders"}',
    ]);
    expect(await search(logs, { filterPattern: '{ $.path = "/api/*" }' })).toHaveLength(1);
    expect(
      await search(logs, {
        filterPattern: '[ip, user, username, timestamp, request = "*index*", status = 404, bytes]',
      }),
    ).toEqual(['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534']);
    expect(await search(logs, { filterPattern: '%job [0-9]+%' })).toEqual(['ERROR Failed to process job 7']);
  });

  it('refuses a pattern that does not parse', async () => {
    const logs = await fixture('500000000004');
    for (const filterPattern of ['"unclosed', '{ $.a = }', '%(%']) {
      const error = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: '/f', filterPattern })));
      expect(error).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    }
  });

  it('searches only the named streams, or the streams with a prefix', async () => {
    const logs = await fixture('500000000005');
    expect(await search(logs, { logStreamNames: ['worker/1'], filterPattern: 'ERROR' })).toEqual([
      'ERROR Failed to process job 7',
    ]);
    const byPrefix = await logs.send(new FilterLogEventsCommand({ logGroupName: '/f', logStreamNamePrefix: 'app/' }));
    expect(byPrefix.events!.map((e) => e.logStreamName)).toEqual([
      'app/1',
      'app/2',
      'app/1',
      'app/2',
      'app/1',
      'app/2',
    ]);
    expect(byPrefix.searchedLogStreams!.map((s) => s.logStreamName)).toEqual(['app/1', 'app/2']);
    const both = await failure(
      logs.send(
        new FilterLogEventsCommand({ logGroupName: '/f', logStreamNames: ['app/1'], logStreamNamePrefix: 'app/' }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
  });

  it('keeps to a time range with both ends inclusive', async () => {
    const logs = await fixture('500000000006');
    const result = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/f', startTime: base + 20, endTime: base + 50 }),
    );
    expect(result.events!.map((e) => e.timestamp! - base)).toEqual([20, 30, 40, 50]);
  });

  it('pages with nextToken and a limit, and stops with no token', async () => {
    const logs = await fixture('500000000007');
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: '/f', limit: 4 }));
    expect(first.events!.map((e) => e.timestamp! - base)).toEqual([0, 10, 20, 30]);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(first.searchedLogStreams!.every((s) => s.searchedCompletely === false)).toBe(true);
    const offsets: number[] = [];
    for await (const page of paginateFilterLogEvents(
      { client: logs, pageSize: 2 },
      { logGroupName: '/f', filterPattern: 'ERROR' },
    )) {
      offsets.push(...page.events!.map((e) => e.timestamp! - base));
    }
    expect(offsets).toEqual([30, 40, 50]);
  });

  it('pages over many events across streams without losing or repeating one', async () => {
    const logs = gw.client('500000000008');
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/many' }));
    const now = Date.now();
    const expected: string[] = [];
    for (const stream of ['a', 'b', 'c']) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: '/many', logStreamName: stream }));
      // Many events share a timestamp, so ties across streams must page correctly too.
      const events = Array.from({ length: 3000 }, (_, i) => ({
        timestamp: now - 3000 + Math.floor(i / 3),
        message: `${stream}-${i}`,
      }));
      await logs.send(new PutLogEventsCommand({ logGroupName: '/many', logStreamName: stream, logEvents: events }));
      expected.push(...events.map((e) => e.message));
    }
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 1000 }, { logGroupName: '/many' })) {
      pages++;
      seen.push(...page.events!.map((e) => e.message!));
    }
    expect(pages).toBe(9);
    expect(seen).toHaveLength(9000);
    expect(new Set(seen)).toEqual(new Set(expected));
  });

  it('says when the log group does not exist', async () => {
    const error = await failure(gw.client('500000000009').send(new FilterLogEventsCommand({ logGroupName: '/none' })));
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });
});
