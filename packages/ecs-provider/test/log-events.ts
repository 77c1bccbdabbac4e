import { GetLogEventsCommand, type CloudWatchLogsClient, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';

/** Every event of a log stream from its start, following forward tokens until one repeats (the stream's end). */
export async function readAllLogEvents(
  logs: CloudWatchLogsClient,
  group: string,
  stream: string,
): Promise<OutputLogEvent[]> {
  const events: OutputLogEvent[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }),
    );
    events.push(...(page.events ?? []));
    if (page.nextForwardToken === token) return events;
    token = page.nextForwardToken;
  }
}
