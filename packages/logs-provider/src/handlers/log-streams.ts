import type {
  CreateLogStreamRequest,
  DeleteLogStreamRequest,
  DescribeLogStreamsRequest,
  DescribeLogStreamsResponse,
  LogStream as LogStreamView,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogsScope } from '../logs-scope';
import { compareNames, type LogStream } from '../store/logs-store';
import { logStreamArn, type Scope } from '../arn';
import { InvalidParameterException, ResourceAlreadyExistsException } from '../errors';
import { checkEnum, checkLogGroupName, checkLogStreamName, checkRange, checkLength } from '../validation/constraints';
import { decodePageToken, encodePageToken } from '../domain/tokens';
import { findLogGroup, requireLogGroup, requireLogStream } from './lookup';

export function createLogStream(input: CreateLogStreamRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkLogStreamName('logStreamName', input.logStreamName);
  const group = requireLogGroup(input.logGroupName!, logs);
  if (group.streams.has(input.logStreamName!)) {
    throw new ResourceAlreadyExistsException('The specified log stream already exists');
  }
  logs.store.createStream(group, input.logStreamName!, logs.now);
  return {};
}

export function deleteLogStream(input: DeleteLogStreamRequest, logs: LogsScope): Record<string, never> {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkLogStreamName('logStreamName', input.logStreamName);
  const group = requireLogGroup(input.logGroupName!, logs);
  logs.store.deleteStream(group, requireLogStream(group, input.logStreamName!));
  return {};
}

/** Where a stream sorts: by last event time (streams without events first), then by name. */
type SortKey = readonly [lastEventTime: number, name: string];

interface StreamPageToken {
  /** Sort key of the last stream of the previous page. */
  readonly after: SortKey;
}

export function describeLogStreams(input: DescribeLogStreamsRequest, logs: LogsScope): DescribeLogStreamsResponse {
  const orderBy = input.orderBy ?? 'LogStreamName';
  checkEnum('orderBy', orderBy, ['LogStreamName', 'LastEventTime']);
  checkRange('limit', input.limit, 1, 50);
  if (input.logStreamNamePrefix !== undefined) {
    checkLength('logStreamNamePrefix', input.logStreamNamePrefix, 1, 512);
    checkLogStreamName('logStreamNamePrefix', input.logStreamNamePrefix);
  }
  if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const group = findLogGroup(input, logs);
  const keyOf = (stream: LogStream): SortKey =>
    orderBy === 'LastEventTime' ? [stream.record.lastEventTimestamp ?? -1, stream.name] : [0, stream.name];
  const direction = input.descending ? -1 : 1;
  const compare = (a: SortKey, b: SortKey) => direction * (a[0] - b[0] || compareNames(a[1], b[1]));
  const after = input.nextToken
    ? decodePageToken<StreamPageToken>(
        input.nextToken,
        (t) => Array.isArray(t.after) && typeof t.after[0] === 'number' && typeof t.after[1] === 'string',
      ).after
    : undefined;

  const prefix = input.logStreamNamePrefix;
  const matching = [...group.streams.values()]
    .filter((stream) => prefix === undefined || stream.name.startsWith(prefix))
    .map((stream) => ({ stream, key: keyOf(stream) }))
    .filter(({ key }) => after === undefined || compare(key, after) > 0)
    .sort((a, b) => compare(a.key, b.key));
  const limit = input.limit ?? 50;
  const page = matching.slice(0, limit);
  return {
    logStreams: page.map(({ stream }) => describeStream(stream, logs.scope)),
    nextToken: matching.length > limit ? encodePageToken({ after: page[page.length - 1]!.key }) : undefined,
  };
}

export function describeStream(stream: LogStream, scope: Scope): LogStreamView {
  const { record } = stream;
  return {
    logStreamName: record.name,
    creationTime: record.creationTime,
    firstEventTimestamp: record.firstEventTimestamp,
    lastEventTimestamp: record.lastEventTimestamp,
    lastIngestionTime: record.lastIngestionTime,
    uploadSequenceToken: sequenceToken(record.nextSeq),
    arn: logStreamArn(scope, record.group, record.name),
    // AWS reports 0 for streams since it deprecated this member; the log group has the real figure.
    storedBytes: 0,
  };
}

/** PutLogEvents' deprecated sequence token: accepted and ignored on input, still returned. */
export function sequenceToken(nextSeq: number): string {
  return String(nextSeq).padStart(56, '0');
}
