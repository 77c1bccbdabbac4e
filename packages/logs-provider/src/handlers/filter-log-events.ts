import type {
  FilterLogEventsRequest,
  FilterLogEventsResponse,
  FilteredLogEvent,
  SearchedLogStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { jsonInPieces } from '@localcloud/gateway';
import type { LogsScope } from '../logs-scope';
import { compareNames, type LogStream } from '../store/logs-store';
import type { EventView } from '../store/event-list';
import { indexOfPosition, indexOfTime } from '../store/event-order';
import { InvalidParameterException } from '../errors';
import { checkLength, checkLogStreamName, checkRange } from '../validation/constraints';
import { compileFilterPattern, FilterPatternError, type EventMatcher } from '../domain/filter-pattern';
import { decodePageToken, encodePageToken } from '../domain/tokens';
import { EVENT_OVERHEAD_BYTES, MAX_RESPONSE_BYTES, MAX_RESPONSE_EVENTS } from '../limits';
import { findLogGroup } from './lookup';

/**
 * Where the next page starts: after the event (timestamp, stream id, seq). Events of all searched streams
 * are returned interleaved in that order, which is also the order of their event ids.
 */
interface FilterPageToken {
  readonly t: number;
  readonly i: number;
  readonly s: number;
}

/** One stream's part of the search: its events in the time window and the next one to look at. */
interface Cursor {
  readonly stream: LogStream;
  readonly events: EventView;
  next: number;
  readonly end: number;
}

export function filterLogEvents(input: FilterLogEventsRequest, logs: LogsScope): FilterLogEventsResponse {
  checkRange('limit', input.limit, 1, MAX_RESPONSE_EVENTS);
  checkRange('startTime', input.startTime, 0, Number.MAX_SAFE_INTEGER);
  checkRange('endTime', input.endTime, 0, Number.MAX_SAFE_INTEGER);
  checkLength('logStreamNames', input.logStreamNames, 1, 100);
  input.logStreamNames?.forEach((name, i) => checkLogStreamName(`logStreamNames.${i + 1}.member`, name));
  if (input.logStreamNamePrefix !== undefined) checkLogStreamName('logStreamNamePrefix', input.logStreamNamePrefix);
  checkLength('filterPattern', input.filterPattern, 0, 1024);
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException(
      'logStreamNames and logStreamNamePrefix are mutually exclusive: specify one of them.',
    );
  }
  let matches: EventMatcher;
  try {
    matches = compileFilterPattern(input.filterPattern);
  } catch (error) {
    if (error instanceof FilterPatternError) throw new InvalidParameterException(error.message);
    throw error;
  }
  const after = input.nextToken
    ? decodePageToken<FilterPageToken>(input.nextToken, (t) => [t.t, t.i, t.s].every(Number.isInteger))
    : undefined;
  const group = findLogGroup(input, logs);

  const names = input.logStreamNames ? new Set(input.logStreamNames) : undefined;
  const prefix = input.logStreamNamePrefix;
  const streams = [...group.streams.values()]
    .filter((s) => (names ? names.has(s.name) : prefix === undefined || s.name.startsWith(prefix)))
    .sort((a, b) => compareNames(a.name, b.name));

  const cursors: Cursor[] = streams.map((stream) => {
    const events = logs.store.events(group, stream, logs.now);
    let next = input.startTime === undefined ? 0 : indexOfTime(events, input.startTime);
    if (after) next = Math.max(next, firstAfter(events, stream.record.id, after));
    // endTime is inclusive here, unlike GetLogEvents'.
    const end = input.endTime === undefined ? events.length : indexOfTime(events, input.endTime + 1);
    return { stream, events, next: Math.min(next, end), end };
  });

  const limit = input.limit ?? MAX_RESPONSE_EVENTS;
  const found: FilteredLogEvent[] = [];
  let bytes = 0;
  let last: FilterPageToken | undefined;
  for (;;) {
    const cursor = nextMatch(cursors, matches);
    if (!cursor || found.length >= limit) break;
    const { events, next } = cursor;
    const message = events.message(next);
    bytes += Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_RESPONSE_BYTES && found.length > 0) break;
    cursor.next++;
    const timestamp = events.timestamp(next);
    const seq = events.seq(next);
    found.push({
      logStreamName: cursor.stream.name,
      timestamp,
      message,
      ingestionTime: events.ingestionTime(next),
      eventId: eventId(cursor.stream.record.id, timestamp, seq),
    });
    last = { t: timestamp, i: cursor.stream.record.id, s: seq };
  }
  const more = cursors.some((c) => c.next < c.end);
  const searchedLogStreams: SearchedLogStream[] = cursors.map((c) => ({
    logStreamName: c.stream.name,
    searchedCompletely: c.next >= c.end,
  }));
  return {
    // Up to ~1 MB: written to the socket a few hundred events at a time (see jsonInPieces).
    events: jsonInPieces(found),
    searchedLogStreams,
    nextToken: more && last ? encodePageToken(last) : undefined,
  };
}

/** Index of the first event of a stream that comes after the token's event in the interleaved order. */
function firstAfter(events: EventView, streamId: number, token: FilterPageToken): number {
  if (streamId > token.i) return indexOfTime(events, token.t);
  if (streamId < token.i) return indexOfTime(events, token.t + 1);
  return indexOfPosition(events, { timestamp: token.t, seq: token.s + 1 });
}

/**
 * Moves every cursor to its next matching event and returns the one whose event comes first (by
 * timestamp, then stream id, then arrival); undefined when none is left.
 */
function nextMatch(cursors: Cursor[], matches: EventMatcher): Cursor | undefined {
  let best: Cursor | undefined;
  for (const cursor of cursors) {
    while (cursor.next < cursor.end && !matches(cursor.events.message(cursor.next))) cursor.next++;
    if (cursor.next >= cursor.end) continue;
    if (!best || comesBefore(cursor, best)) best = cursor;
  }
  return best;
}

function comesBefore(a: Cursor, b: Cursor): boolean {
  return (
    (a.events.timestamp(a.next) - b.events.timestamp(b.next) ||
      a.stream.record.id - b.stream.record.id ||
      a.events.seq(a.next) - b.events.seq(b.next)) < 0
  );
}

/** 56 digits like AWS's: timestamp, stream id, sequence number. Unique in the group and stable. */
export function eventId(streamId: number, timestamp: number, seq: number): string {
  return String(timestamp).padStart(20, '0') + String(streamId).padStart(16, '0') + String(seq).padStart(20, '0');
}
