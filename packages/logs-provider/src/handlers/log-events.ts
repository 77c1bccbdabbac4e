import type {
  GetLogEventsRequest,
  GetLogEventsResponse,
  PutLogEventsRequest,
  PutLogEventsResponse,
  RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import { jsonInPieces } from '@localcloud/gateway';
import type { LogsScope } from '../logs-scope';
import type { EventView } from '../store/event-list';
import { indexOfPosition, indexOfTime, positionAfter, positionOf, type Position } from '../store/event-order';
import { InvalidParameterException } from '../errors';
import { checkLength, checkLogGroupName, checkLogStreamName, checkRange } from '../validation/constraints';
import { decodeStreamToken, encodeStreamToken } from '../domain/tokens';
import {
  EVENT_OVERHEAD_BYTES,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BATCH_SPAN_MS,
  MAX_FUTURE_MS,
  MAX_PAST_MS,
  MAX_RESPONSE_BYTES,
  MAX_RESPONSE_EVENTS,
} from '../limits';
import { findLogGroup, requireLogGroup, requireLogStream } from './lookup';
import { sequenceToken } from './log-streams';

export function putLogEvents(input: PutLogEventsRequest, logs: LogsScope): PutLogEventsResponse {
  checkLogGroupName('logGroupName', input.logGroupName);
  checkLogStreamName('logStreamName', input.logStreamName);
  const batch = input.logEvents!;
  checkLength('logEvents', batch, 1, MAX_BATCH_EVENTS);
  let size = 0;
  batch.forEach((event, i) => {
    checkLength(`logEvents.${i + 1}.member.message`, event.message, 1, Infinity);
    checkRange(`logEvents.${i + 1}.member.timestamp`, event.timestamp, 0, Number.MAX_SAFE_INTEGER);
    size += Buffer.byteLength(event.message!, 'utf8') + EVENT_OVERHEAD_BYTES;
  });
  if (size > MAX_BATCH_BYTES) {
    throw new InvalidParameterException(`Upload too large: ${size} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  }
  for (let i = 1; i < batch.length; i++) {
    if (batch[i]!.timestamp! < batch[i - 1]!.timestamp!) {
      throw new InvalidParameterException(
        'Log events in a single PutLogEvents request must be in chronological order.',
      );
    }
  }
  if (batch[batch.length - 1]!.timestamp! - batch[0]!.timestamp! > MAX_BATCH_SPAN_MS) {
    throw new InvalidParameterException(
      'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
  }
  const group = requireLogGroup(input.logGroupName!, logs);
  const stream = requireLogStream(group, input.logStreamName!);

  // The batch is in order, so the events rejected as too old or expired lead it and the too new trail it.
  const { now } = logs;
  const tooOld = countWhile(batch, (e) => e.timestamp! < now - MAX_PAST_MS);
  const cutoff = group.expiryCutoff(now);
  const expired =
    cutoff === undefined
      ? tooOld
      : Math.max(
          tooOld,
          countWhile(batch, (e) => e.timestamp! < cutoff),
        );
  let tooNewStart = batch.length;
  while (tooNewStart > expired && batch[tooNewStart - 1]!.timestamp! > now + MAX_FUTURE_MS) tooNewStart--;

  logs.store.append(
    group,
    stream,
    // Timestamps are whole milliseconds (a `long` in the model).
    batch.slice(expired, tooNewStart).map((e) => ({ timestamp: Math.trunc(e.timestamp!), message: e.message! })),
    now,
  );
  const rejected: RejectedLogEventsInfo = {};
  if (tooOld > 0) rejected.tooOldLogEventEndIndex = tooOld;
  if (expired > tooOld) rejected.expiredLogEventEndIndex = expired;
  if (tooNewStart < batch.length) rejected.tooNewLogEventStartIndex = tooNewStart;
  return {
    nextSequenceToken: sequenceToken(stream.record.nextSeq),
    rejectedLogEventsInfo: Object.keys(rejected).length > 0 ? rejected : undefined,
  };
}

function countWhile<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let n = 0;
  while (n < items.length && predicate(items[n]!)) n++;
  return n;
}

export function getLogEvents(input: GetLogEventsRequest, logs: LogsScope): GetLogEventsResponse {
  checkLogStreamName('logStreamName', input.logStreamName);
  checkRange('limit', input.limit, 1, MAX_RESPONSE_EVENTS);
  checkRange('startTime', input.startTime, 0, Number.MAX_SAFE_INTEGER);
  checkRange('endTime', input.endTime, 0, Number.MAX_SAFE_INTEGER);
  const token = input.nextToken === undefined ? undefined : decodeStreamToken(input.nextToken);
  const group = findLogGroup(input, logs);
  const stream = requireLogStream(group, input.logStreamName!);
  const events = logs.store.events(group, stream, logs.now);

  // The time window: startTime inclusive, endTime exclusive.
  const low = input.startTime === undefined ? 0 : indexOfTime(events, input.startTime);
  const high = Math.max(low, input.endTime === undefined ? events.length : indexOfTime(events, input.endTime));
  const limit = input.limit ?? MAX_RESPONSE_EVENTS;

  // The page's messages, each sliced from its chunk's text once, while the page's size is counted.
  const messages: string[] = [];
  let start: number;
  let end: number;
  if (token) {
    const at = Math.min(high, Math.max(low, indexOfPosition(events, token.position)));
    if (token.direction === 'f') [start, end] = [at, pageForward(events, at, high, limit, messages)];
    else [start, end] = [pageBackward(events, at, low, limit, messages), at];
  } else if (input.startFromHead) {
    [start, end] = [low, pageForward(events, low, high, limit, messages)];
  } else {
    [start, end] = [pageBackward(events, high, low, limit, messages), high];
  }

  let forward: string;
  let backward: string;
  if (end > start) {
    forward = encodeStreamToken('f', positionAfter(events, end - 1));
    backward = encodeStreamToken('b', positionOf(events, start));
  } else {
    // Nothing more in that direction: the same token comes back, as AWS does.
    const position: Position = token?.position ?? { timestamp: input.startTime ?? 0, seq: 0 };
    forward = token?.direction === 'f' ? input.nextToken! : encodeStreamToken('f', position);
    backward = token?.direction === 'b' ? input.nextToken! : encodeStreamToken('b', position);
  }
  const page = new Array<{ timestamp: number; message: string; ingestionTime: number }>(end - start);
  for (let i = start; i < end; i++) {
    page[i - start] = {
      timestamp: events.timestamp(i),
      message: messages[i - start]!,
      ingestionTime: events.ingestionTime(i),
    };
  }
  return {
    // Up to ~1 MB: written to the socket a few hundred events at a time (see jsonInPieces).
    events: jsonInPieces(page),
    nextForwardToken: forward,
    nextBackwardToken: backward,
  };
}

/** End of the page that starts at `from`: at most `limit` events and about 1 MB, never past `high`. */
function pageForward(events: EventView, from: number, high: number, limit: number, messages: string[]): number {
  let bytes = 0;
  let end = from;
  while (end < high && end - from < limit) {
    const message = events.message(end);
    bytes += Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_RESPONSE_BYTES && end > from) break;
    messages.push(message);
    end++;
  }
  return end;
}

/** Start of the page that ends at `to`, read backwards, never before `low`. */
function pageBackward(events: EventView, to: number, low: number, limit: number, messages: string[]): number {
  let bytes = 0;
  let start = to;
  while (start > low && to - start < limit) {
    const message = events.message(start - 1);
    bytes += Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_RESPONSE_BYTES && start < to) break;
    messages.push(message);
    start--;
  }
  messages.reverse();
  return start;
}
