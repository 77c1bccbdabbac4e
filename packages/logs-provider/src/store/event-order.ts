import { SEQ, TIMESTAMP, type StoredEvent } from './records';

/**
 * A place in a stream's event order, which is by timestamp, then by arrival (sequence number). A position
 * lies before every event whose (timestamp, seq) is greater or equal, so it stays valid when events arrive.
 */
export interface Position {
  readonly timestamp: number;
  readonly seq: number;
}

export function compareToPosition(event: StoredEvent, position: Position): number {
  return event[TIMESTAMP] - position.timestamp || event[SEQ] - position.seq;
}

export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  return a[TIMESTAMP] - b[TIMESTAMP] || a[SEQ] - b[SEQ];
}

/** Index of the first event at or after the position in a sorted list. */
export function indexOfPosition(events: readonly StoredEvent[], position: Position): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareToPosition(events[mid]!, position) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first event with a timestamp at or after `timestamp`. */
export function indexOfTime(events: readonly StoredEvent[], timestamp: number): number {
  return indexOfPosition(events, { timestamp, seq: -Infinity });
}

/** The position just before an event. */
export function positionOf(event: StoredEvent): Position {
  return { timestamp: event[TIMESTAMP], seq: event[SEQ] };
}

/** The position just after an event. */
export function positionAfter(event: StoredEvent): Position {
  return { timestamp: event[TIMESTAMP], seq: event[SEQ] + 1 };
}
