import fs from 'node:fs';
import path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { testCredentials, usePersistentGateway } from '@localcloud/gateway/testing';

describe('CloudWatch Logs state across a gateway restart (PERSISTENCE=1)', () => {
  const persisted = usePersistentGateway({
    env: { SERVICES: 'logs' },
    client: (gateway) =>
      new CloudWatchLogsClient({ endpoint: gateway.url, region: 'eu-central-1', credentials: testCredentials() }),
  });
  const { start, stop } = persisted;

  it('keeps log groups, streams, events, retention and tags', async () => {
    let logs = await start();
    const target = { logGroupName: '/persisted', logStreamName: 'web/1' };
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/persisted', tags: { team: 'core' } }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/persisted', retentionInDays: 7 }));
    await logs.send(new CreateLogStreamCommand(target));
    const end = Date.now();
    const events = Array.from({ length: 12_000 }, (_, i) => ({ timestamp: end - 12_000 + i, message: `event ${i}` }));
    // Batches of different sizes, including small ones that share a chunk.
    for (const [from, to] of [
      [0, 1],
      [1, 3],
      [3, 5000],
      [5000, 5001],
      [5001, 12_000],
    ] as const) {
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: events.slice(from, to) }));
    }
    const before = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/persisted' }));
    await stop();

    logs = await start();
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}));
    expect(logGroups).toMatchObject([
      { logGroupName: '/persisted', retentionInDays: 7, storedBytes: expect.any(Number) },
    ]);
    expect(logGroups![0]!.storedBytes).toBeGreaterThan(0);
    const tags = await logs.send(
      new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:eu-central-1:000000000000:log-group:/persisted' }),
    );
    expect(tags.tags).toEqual({ team: 'core' });
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/persisted' }))).logStreams).toEqual(
      before.logStreams,
    );

    const read: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true, nextToken: token }));
      if (page.events!.length === 0) break;
      read.push(...page.events!.map((e) => e.message!));
      token = page.nextForwardToken;
    }
    expect(read).toEqual(events.map((e) => e.message));

    // Event ids, and so `aws logs tail --follow`'s de-duplication, survive the restart; new events follow on.
    await logs.send(
      new PutLogEventsCommand({ ...target, logEvents: [{ timestamp: end + 1, message: 'after restart' }] }),
    );
    const last = await logs.send(new FilterLogEventsCommand({ logGroupName: '/persisted', startTime: end - 1 }));
    expect(last.events!.map((e) => e.message)).toEqual(['event 11999', 'after restart']);
  });

  it('keeps data under <DATA_DIR>/logs/<account>/<region>', async () => {
    const logs = await start();
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'where' }));
    expect(fs.existsSync(path.join(persisted.dataDir, 'logs', '000000000000', 'eu-central-1'))).toBe(true);
  });
});
