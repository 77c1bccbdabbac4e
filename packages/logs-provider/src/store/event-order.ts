import type { EventView } from './event-list';
import { SEQ, TIMESTAMP, type StoredEvent } from './records';

/**
 * A place in a stream's event order, which is by timestamp, then by arrival (sequence number). A position
 * lies before every event whose (timestamp, seq) is greater or equal, so it stays valid when events arrive.
 */
export interface Position {
  readonly timestamp: number;
  readonly seq: number;
}

export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  return a[TIMESTAMP] - b[TIMESTAMP] || a[SEQ] - b[SEQ];
}

/** Index of the first event at or after the position in a stream's events. */
export function indexOfPosition(events: EventView, position: Position): number {
  return events.indexOf(position.timestamp, position.seq);
}

/** Index of the first event with a timestamp at or after `timestamp`. */
export function indexOfTime(events: EventView, timestamp: number): number {
  return events.indexOf(timestamp, -Infinity);
}

/** The position just before the `i`-th event. */
export function positionOf(events: EventView, i: number): Position {
  return { timestamp: events.timestamp(i), seq: events.seq(i) };
}

/** The position just after the `i`-th event. */
export function positionAfter(events: EventView, i: number): Position {
  return { timestamp: events.timestamp(i), seq: events.seq(i) + 1 };
}
