import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type GetLogEventsCommandInput,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { failure, useLogsGateway } from './support';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('CloudWatch Logs events through the AWS SDK', () => {
  const gw = useLogsGateway();

  async function stream(logs: CloudWatchLogsClient, group = '/g', name = 's') {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
    return { logGroupName: group, logStreamName: name };
  }

  /** `count` events one millisecond apart, ending now, messages `line <i>`. */
  function lines(count: number, end = Date.now(), from = 0): InputLogEvent[] {
    return Array.from({ length: count }, (_, i) => ({ timestamp: end - count + i + 1, message: `line ${from + i}` }));
  }

  const messages = (result: { events?: { message?: string }[] }) => (result.events ?? []).map((e) => e.message);

  describe('PutLogEvents', () => {
    it('stores events and answers a sequence token, ignoring the one it is given', async () => {
      const logs = gw.client('400000000001');
      const target = await stream(logs);
      const first = await logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(2) }));
      expect(first.nextSequenceToken).toMatch(/^\d{56}$/);
      expect(first.rejectedLogEventsInfo).toBeUndefined();
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(1), sequenceToken: 'whatever' }));
      const read = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true }));
      expect(read.events).toHaveLength(3);
      expect(read.events![0]).toEqual({
        timestamp: expect.any(Number),
        message: 'line 0',
        ingestionTime: expect.any(Number),
      });
    });

    it('refuses a batch out of chronological order', async () => {
      const logs = gw.client('400000000002');
      const target = await stream(logs);
      const now = Date.now();
      const error = await failure(
        logs.send(
          new PutLogEventsCommand({
            ...target,
            logEvents: [
              { timestamp: now, message: 'b' },
              { timestamp: now - 1, message: 'a' },
            ],
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'InvalidParameterException',
        message: 'Log events in a single PutLogEvents request must be in chronological order.',
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('refuses a batch spanning more than 24 hours', async () => {
      const logs = gw.client('400000000003');
      const target = await stream(logs);
      const now = Date.now();
      const error = await failure(
        logs.send(
          new PutLogEventsCommand({
            ...target,
            logEvents: [
              { timestamp: now - DAY - 1, message: 'a' },
              { timestamp: now, message: 'b' },
            ],
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'InvalidParameterException',
        message: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      });
    });

    it('refuses batches over 10,000 events or 1,048,576 bytes (26 bytes per event included)', async () => {
      const logs = gw.client('400000000004');
      const target = await stream(logs);
      const tooMany = await failure(logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(10_001) })));
      expect(tooMany).toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining(
          "at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000",
        ),
      });
      const now = Date.now();
      // Four events of 262,118 bytes make exactly 1,048,576 bytes with their 26-byte overheads.
      const fits = Array.from({ length: 4 }, (_, i) => ({ timestamp: now, message: String(i).repeat(262_118) }));
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: fits }));
      const over = fits.map((e, i) => (i === 0 ? { ...e, message: `${e.message}x` } : e));
      expect(await failure(logs.send(new PutLogEventsCommand({ ...target, logEvents: over })))).toMatchObject({
        name: 'InvalidParameterException',
        message: 'Upload too large: 1048577 bytes exceeds limit of 1048576',
      });
    });

    it('refuses an empty batch, an empty message and missing members', async () => {
      const logs = gw.client('400000000005');
      const target = await stream(logs);
      const empty = await failure(logs.send(new PutLogEventsCommand({ ...target, logEvents: [] })));
      expect(empty.message).toContain(
        "at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
      const blank = await failure(
        logs.send(new PutLogEventsCommand({ ...target, logEvents: [{ timestamp: Date.now(), message: '' }] })),
      );
      expect(blank.message).toContain("at 'logEvents.1.member.message'");
      const missing = await failure(
        logs.send(new PutLogEventsCommand({ ...target, logEvents: [{ message: 'no time' } as InputLogEvent] })),
      );
      expect(missing).toMatchObject({
        name: 'InvalidParameterException',
        message:
          "1 validation error detected: Value null at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must not be null",
      });
    });

    it('says which of the group and stream does not exist', async () => {
      const logs = gw.client('400000000006');
      await stream(logs);
      const noGroup = await failure(
        logs.send(new PutLogEventsCommand({ logGroupName: '/x', logStreamName: 's', logEvents: lines(1) })),
      );
      expect(noGroup).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
      });
      const noStream = await failure(
        logs.send(new PutLogEventsCommand({ logGroupName: '/g', logStreamName: 'x', logEvents: lines(1) })),
      );
      expect(noStream).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      });
    });

    it('rejects too old and too new events in rejectedLogEventsInfo and keeps the rest', async () => {
      const logs = gw.client('400000000007');
      const target = await stream(logs);
      const now = Date.now();
      // A batch spans 24 hours at most, so too old and too new are checked in two batches.
      const old = await logs.send(
        new PutLogEventsCommand({
          ...target,
          logEvents: [
            { timestamp: now - 14 * DAY - 2 * HOUR, message: 'old 1' },
            { timestamp: now - 14 * DAY - HOUR, message: 'old 2' },
            { timestamp: now - 14 * DAY + HOUR, message: 'kept 1' },
          ],
        }),
      );
      expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2 });
      const future = await logs.send(
        new PutLogEventsCommand({
          ...target,
          logEvents: [
            { timestamp: now, message: 'kept 2' },
            { timestamp: now + HOUR, message: 'kept 3' },
            { timestamp: now + 3 * HOUR, message: 'new 1' },
          ],
        }),
      );
      expect(future.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 2 });
      expect(messages(await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true })))).toEqual([
        'kept 1',
        'kept 2',
        'kept 3',
      ]);
    });

    it('rejects events older than the retention period as expired, and hides events as they expire', async () => {
      const logs = gw.client('400000000008');
      const target = await stream(logs);
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/g', retentionInDays: 1 }));
      const now = Date.now();
      const result = await logs.send(
        new PutLogEventsCommand({
          ...target,
          logEvents: [
            { timestamp: now - DAY - HOUR, message: 'expired' },
            { timestamp: now - HOUR, message: 'kept' },
          ],
        }),
      );
      expect(result.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
      expect(messages(await logs.send(new GetLogEventsCommand(target)))).toEqual(['kept']);
    });

    it('counts stored bytes on the log group', async () => {
      const logs = gw.client('400000000009');
      const target = await stream(logs);
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: [{ timestamp: Date.now(), message: 'héllo' }] }));
      expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups![0]!.storedBytes).toBe(6);
    });
  });

  describe('GetLogEvents', () => {
    it('returns the latest events by default, the earliest with startFromHead, in order', async () => {
      const logs = gw.client('410000000001');
      const target = await stream(logs);
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(30) }));
      const latest = await logs.send(new GetLogEventsCommand({ ...target, limit: 5 }));
      expect(messages(latest)).toEqual(['line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
      const earliest = await logs.send(new GetLogEventsCommand({ ...target, limit: 5, startFromHead: true }));
      expect(messages(earliest)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
      expect(messages(await logs.send(new GetLogEventsCommand(target)))).toHaveLength(30);
    });

    it('walks forward with f/ tokens and gets the same token back at the end', async () => {
      const logs = gw.client('410000000002');
      const target = await stream(logs);
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(25) }));
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await logs.send(
          new GetLogEventsCommand({ ...target, limit: 10, startFromHead: true, nextToken: token }),
        );
        expect(page.nextForwardToken).toMatch(/^f\/\d{56}$/);
        expect(page.nextBackwardToken).toMatch(/^b\/\d{56}$/);
        if (page.nextForwardToken === token) {
          expect(page.events).toEqual([]);
          break;
        }
        pages++;
        seen.push(...messages(page).map(String));
        token = page.nextForwardToken;
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(lines(25).map((e) => e.message));

      // New events show up behind the token the end gave back.
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(2, Date.now() + 10, 100) }));
      const more = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true, nextToken: token }));
      expect(messages(more)).toEqual(['line 100', 'line 101']);
    });

    it('walks backward with b/ tokens from the latest events to the first', async () => {
      const logs = gw.client('410000000003');
      const target = await stream(logs);
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: lines(25) }));
      const pages: string[][] = [];
      let page = await logs.send(new GetLogEventsCommand({ ...target, limit: 10 }));
      pages.push(messages(page).map(String));
      for (;;) {
        const token: string = page.nextBackwardToken!;
        page = await logs.send(new GetLogEventsCommand({ ...target, limit: 10, nextToken: token }));
        if (page.nextBackwardToken === token) {
          expect(page.events).toEqual([]);
          break;
        }
        pages.push(messages(page).map(String));
      }
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.reverse().flat()).toEqual(lines(25).map((e) => e.message));

      // And forward again from a backward page.
      const first = await logs.send(new GetLogEventsCommand({ ...target, limit: 10, startFromHead: true }));
      const back = await logs.send(new GetLogEventsCommand({ ...target, nextToken: first.nextBackwardToken }));
      expect(back.events).toEqual([]);
      expect(back.nextBackwardToken).toBe(first.nextBackwardToken);
      const again = await logs.send(new GetLogEventsCommand({ ...target, limit: 3, nextToken: back.nextForwardToken }));
      expect(messages(again)).toEqual(['line 0', 'line 1', 'line 2']);
    });

    it('keeps to a time range: startTime inclusive, endTime exclusive', async () => {
      const logs = gw.client('410000000004');
      const target = await stream(logs);
      const base = Date.now() - 10_000;
      await logs.send(
        new PutLogEventsCommand({
          ...target,
          logEvents: [0, 1000, 2000, 3000, 4000].map((offset) => ({
            timestamp: base + offset,
            message: `at ${offset}`,
          })),
        }),
      );
      const window: GetLogEventsCommandInput = {
        ...target,
        startTime: base + 1000,
        endTime: base + 3000,
        startFromHead: true,
      };
      expect(messages(await logs.send(new GetLogEventsCommand(window)))).toEqual(['at 1000', 'at 2000']);
      const first = await logs.send(new GetLogEventsCommand({ ...window, limit: 1 }));
      const second = await logs.send(
        new GetLogEventsCommand({ ...window, limit: 1, nextToken: first.nextForwardToken }),
      );
      const end = await logs.send(new GetLogEventsCommand({ ...window, limit: 1, nextToken: second.nextForwardToken }));
      expect([messages(first), messages(second), messages(end)]).toEqual([['at 1000'], ['at 2000'], []]);
      expect(end.nextForwardToken).toBe(second.nextForwardToken);
    });

    it('orders events from batches that arrive out of order by timestamp', async () => {
      const logs = gw.client('410000000005');
      const target = await stream(logs);
      const now = Date.now();
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: [{ timestamp: now, message: 'third' }] }));
      await logs.send(
        new PutLogEventsCommand({
          ...target,
          logEvents: [
            { timestamp: now - 2, message: 'first' },
            { timestamp: now - 1, message: 'second' },
          ],
        }),
      );
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: [{ timestamp: now, message: 'fourth' }] }));
      expect(messages(await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true })))).toEqual([
        'first',
        'second',
        'third',
        'fourth',
      ]);
    });

    it('refuses a malformed token and a limit above 10,000', async () => {
      const logs = gw.client('410000000006');
      const target = await stream(logs);
      expect(await failure(logs.send(new GetLogEventsCommand({ ...target, nextToken: 'f/123' })))).toMatchObject({
        name: 'InvalidParameterException',
      });
      expect(await failure(logs.send(new GetLogEventsCommand({ ...target, limit: 10_001 })))).toMatchObject({
        name: 'InvalidParameterException',
      });
      expect(await failure(logs.send(new GetLogEventsCommand({ ...target, logStreamName: 'nope' })))).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      });
    });

    it('reads back a full batch of 10,000 events complete and in order', async () => {
      const logs = gw.client('410000000007');
      const target = await stream(logs);
      const batch = lines(10_000);
      await logs.send(new PutLogEventsCommand({ ...target, logEvents: batch }));
      const read = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true }));
      expect(messages(read)).toEqual(batch.map((e) => e.message));
    });

    it('reads back 50,000 events put in several batches, complete and in order, both ways', async () => {
      const logs = gw.client('410000000008');
      const target = await stream(logs);
      const end = Date.now();
      const all = lines(50_000, end);
      for (let i = 0; i < all.length; i += 7_000) {
        await logs.send(new PutLogEventsCommand({ ...target, logEvents: all.slice(i, i + 7_000) }));
      }
      const forward: string[] = [];
      let token: string | undefined;
      for (;;) {
        const page = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true, nextToken: token }));
        if (page.events!.length === 0) break;
        forward.push(...messages(page).map(String));
        token = page.nextForwardToken;
      }
      expect(forward).toEqual(all.map((e) => e.message));

      const backward: string[][] = [];
      let page = await logs.send(new GetLogEventsCommand(target));
      while (page.events!.length > 0) {
        backward.push(messages(page).map(String));
        page = await logs.send(new GetLogEventsCommand({ ...target, nextToken: page.nextBackwardToken }));
      }
      expect(backward.reverse().flat()).toEqual(all.map((e) => e.message));
    });
  });
});
