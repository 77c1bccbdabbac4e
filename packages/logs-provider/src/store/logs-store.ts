import { openStateStore, type DurableTable, type StateStore } from './state-store';
import {
  chunkCount,
  chunkEvents,
  chunkKey,
  packChunk,
  streamKey,
  type EventChunkRecord,
  type LogGroupRecord,
  type LogStreamRecord,
} from './records';
import { indexOfTime } from './event-order';
import { EventList, type EventView } from './event-list';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A batch goes into the stream's last chunk while that chunk stays this small, so streams written a few
 * lines at a time do not become one record per line; bigger batches get a chunk of their own. This bounds
 * what one PutLogEvents rewrites.
 */
const SMALL_CHUNK_BYTES = 16 * 1024;

export interface NewGroupOptions {
  readonly tags?: Readonly<Record<string, string>>;
  readonly kmsKeyId?: string;
  readonly logGroupClass?: string;
  readonly deletionProtectionEnabled?: boolean;
}

export interface NewEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** A log stream. Its events are read through LogsStore.events(). */
export class LogStream {
  /**
   * Owned by LogsStore: the events in order (by timestamp, then arrival), loaded from the stream's chunks on
   * first use and kept up to date by every append. Each event's message is a place in its stored chunk's
   * packed text, so the messages are in memory once.
   */
  sortedEvents: EventList | undefined;

  constructor(public record: LogStreamRecord) {}

  get name(): string {
    return this.record.name;
  }
}

export class LogGroup {
  readonly streams = new Map<string, LogStream>();

  constructor(public record: LogGroupRecord) {}

  get name(): string {
    return this.record.name;
  }

  /** UTF-8 bytes of the messages its streams hold. */
  get storedBytes(): number {
    let total = 0;
    for (const stream of this.streams.values()) total += stream.record.storedBytes;
    return total;
  }

  /** The time before which events have expired under the retention policy, if any. */
  expiryCutoff(now: number): number | undefined {
    return this.record.retentionInDays === undefined ? undefined : now - this.record.retentionInDays * DAY_MS;
  }
}

/**
 * Opens the CloudWatch Logs state of one account and region (journal in `dir`, or memory). A failed sync
 * undoes records the groups, streams and loaded events already reflect, so they are built again from the
 * records then, before any waiter hears of the failure. A transaction that throws needs nothing: they
 * change only after the transaction returns.
 */
export function openLogsStore(dir: string | undefined): LogsStore {
  let store: LogsStore | undefined;
  const state = openStateStore({ dir, onRollback: () => store?.reload() });
  return (store = new LogsStore(state));
}

/**
 * CloudWatch Logs state of one account in one region: log groups, their streams and events, kept in a
 * StateStore (durable or in memory). Each PutLogEvents batch is one transaction: the stream's chunk and its
 * record. Expired events are dropped lazily, when their stream is read or written.
 */
export class LogsStore {
  private readonly groupTable: DurableTable<LogGroupRecord>;
  private readonly streamTable: DurableTable<LogStreamRecord>;
  private readonly chunkTable: DurableTable<EventChunkRecord>;
  private readonly groups = new Map<string, LogGroup>();

  constructor(private readonly state: StateStore) {
    this.groupTable = state.table('groups');
    this.streamTable = state.table('streams');
    this.chunkTable = state.table('chunks');
    this.reload();
  }

  /**
   * Builds the groups and streams, with their records, again from the tables (events load on first read):
   * at start, and after a failed sync undid records they already held. Objects a request still holds are
   * left stale then, but the store refuses every write after such a failure and their answers fail.
   */
  reload(): void {
    this.groups.clear();
    for (const record of this.groupTable.values()) this.groups.set(record.name, new LogGroup(record));
    for (const record of this.streamTable.values()) {
      this.groups.get(record.group)?.streams.set(record.name, new LogStream(record));
    }
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }

  // Log groups

  group(name: string): LogGroup | undefined {
    return this.groups.get(name);
  }

  /** Log groups in name order, as DescribeLogGroups lists them. */
  sortedGroups(): LogGroup[] {
    return [...this.groups.values()].sort((a, b) => compareNames(a.name, b.name));
  }

  createGroup(name: string, now: number, options: NewGroupOptions = {}): LogGroup {
    const record: LogGroupRecord = {
      name,
      creationTime: now,
      tags: options.tags ?? {},
      kmsKeyId: options.kmsKeyId,
      logGroupClass: options.logGroupClass ?? 'STANDARD',
      deletionProtectionEnabled: options.deletionProtectionEnabled ?? false,
      nextStreamId: 1,
    };
    this.groupTable.put(record.name, record);
    const group = new LogGroup(this.groupTable.get(record.name)!);
    this.groups.set(record.name, group);
    return group;
  }

  /** A member set to undefined is removed (records travel as JSON). */
  updateGroup(group: LogGroup, changes: Partial<LogGroupRecord>): void {
    this.groupTable.put(group.name, { ...group.record, ...changes });
    group.record = this.groupTable.get(group.name)!;
  }

  deleteGroup(group: LogGroup): void {
    this.state.transaction(() => {
      for (const stream of group.streams.values()) this.deleteStreamRecords(group, stream);
      this.groupTable.delete(group.name);
    });
    this.groups.delete(group.name);
  }

  // Log streams

  createStream(group: LogGroup, name: string, now: number): LogStream {
    const record: LogStreamRecord = {
      group: group.name,
      name,
      id: group.record.nextStreamId,
      creationTime: now,
      nextSeq: 1,
      firstChunk: 0,
      nextChunk: 0,
      storedBytes: 0,
    };
    const key = streamKey(group.name, name);
    this.state.transaction(() => {
      this.streamTable.put(key, record);
      this.groupTable.put(group.name, { ...group.record, nextStreamId: group.record.nextStreamId + 1 });
    });
    group.record = this.groupTable.get(group.name)!;
    const stream = new LogStream(this.streamTable.get(key)!);
    group.streams.set(name, stream);
    return stream;
  }

  deleteStream(group: LogGroup, stream: LogStream): void {
    this.state.transaction(() => this.deleteStreamRecords(group, stream));
    group.streams.delete(stream.name);
  }

  private deleteStreamRecords(group: LogGroup, stream: LogStream): void {
    for (let n = stream.record.firstChunk; n < stream.record.nextChunk; n++) {
      this.chunkTable.delete(chunkKey(group.name, stream.name, n));
    }
    this.streamTable.delete(streamKey(group.name, stream.name));
  }

  // Log events

  /**
   * The stream's unexpired events, by timestamp then arrival. The list is the store's and changes with the
   * next append: read it within the request.
   */
  events(group: LogGroup, stream: LogStream, now: number): EventView {
    return this.unexpired(group, stream, now);
  }

  private unexpired(group: LogGroup, stream: LogStream, now: number): EventList {
    const events = this.loaded(group, stream);
    const cutoff = group.expiryCutoff(now);
    if (cutoff !== undefined && events.length > 0 && events.timestamp(0) < cutoff) {
      events.dropFirst(indexOfTime(events, cutoff));
      this.dropExpiredChunks(group, stream, cutoff);
    }
    return events;
  }

  /**
   * Appends events (in timestamp order) as one durable write. Events older than the stream's newest are
   * merged into place; a batch never splits.
   */
  append(
    group: LogGroup,
    stream: LogStream,
    batch: readonly NewEvent[],
    now: number,
    /** The messages' UTF-8 bytes, when the caller has counted them already. */
    messageBytes?: number,
  ): void {
    if (batch.length === 0) return;
    const events = this.unexpired(group, stream, now);
    const record = stream.record;
    let bytes = 0;
    if (messageBytes !== undefined) bytes = messageBytes;
    else for (const e of batch) bytes += Buffer.byteLength(e.message, 'utf8');
    const firstTimestamp = batch[0]!.timestamp;
    const maxTimestamp = batch[batch.length - 1]!.timestamp;
    // The batch's sequence numbers come after every stored event's, so only timestamps decide.
    const inOrder = events.length === 0 || firstTimestamp >= events.timestamp(events.length - 1);

    const tailNumber = record.nextChunk - 1;
    const tailKey = chunkKey(group.name, stream.name, tailNumber);
    const tail = tailNumber >= record.firstChunk ? this.chunkTable.get(tailKey) : undefined;
    // The tail chunk's events end the sorted list when they were the last appended, in order.
    const tailCount = tail === undefined ? 0 : chunkCount(tail);
    const extendTail =
      inOrder &&
      tail !== undefined &&
      tail.bytes + bytes <= SMALL_CHUNK_BYTES &&
      endsWithSeqs(events, tailCount, record.nextSeq);

    const chunkNumber = extendTail ? tailNumber : record.nextChunk;
    const key = chunkKey(group.name, stream.name, chunkNumber);
    const chunk: EventChunkRecord = packChunk(
      extendTail ? chunkEvents(tail) : [],
      batch,
      record.nextSeq,
      now,
      (extendTail ? tail.bytes : 0) + bytes,
      extendTail ? Math.max(tail.maxTimestamp, maxTimestamp) : maxTimestamp,
    );
    const updated: LogStreamRecord = {
      ...record,
      firstEventTimestamp: Math.min(record.firstEventTimestamp ?? Infinity, firstTimestamp),
      lastEventTimestamp: Math.max(record.lastEventTimestamp ?? -Infinity, maxTimestamp),
      lastIngestionTime: now,
      nextSeq: record.nextSeq + batch.length,
      nextChunk: chunkNumber + 1,
      storedBytes: record.storedBytes + bytes,
    };
    this.state.transaction(() => {
      this.chunkTable.put(key, chunk);
      this.streamTable.put(streamKey(group.name, stream.name), updated);
    });
    stream.record = this.streamTable.get(streamKey(group.name, stream.name))!;

    // The events kept in memory are the stored chunk's: their messages are places in its text, so a stream's
    // messages are held once, not also as the batch's strings. A rewritten tail chunk's events are replaced
    // too, so no older text stays alive.
    const stored = this.chunkTable.get(key)!;
    if (extendTail) events.truncate(events.length - tailCount);
    const from = events.length;
    events.pushChunk(stored);
    if (!inOrder) mergeFrom(events, from);
  }

  private loaded(group: LogGroup, stream: LogStream): EventList {
    if (!stream.sortedEvents) {
      const events = new EventList();
      for (let n = stream.record.firstChunk; n < stream.record.nextChunk; n++) {
        const chunk = this.chunkTable.get(chunkKey(group.name, stream.name, n));
        if (chunk) events.pushChunk(chunk);
      }
      if (!events.sortedFrom(0)) events.sortFrom(0);
      stream.sortedEvents = events;
    }
    return stream.sortedEvents;
  }

  /** Deletes the chunks whose events have all expired. */
  private dropExpiredChunks(group: LogGroup, stream: LogStream, cutoff: number): void {
    const record = stream.record;
    let freed = 0;
    let firstChunk = record.firstChunk;
    this.state.transaction(() => {
      for (let n = record.firstChunk; n < record.nextChunk; n++) {
        const key = chunkKey(group.name, stream.name, n);
        const chunk = this.chunkTable.get(key);
        if (chunk && chunk.maxTimestamp >= cutoff) continue;
        if (chunk) {
          freed += chunk.bytes;
          this.chunkTable.delete(key);
        }
        if (n === firstChunk) firstChunk = n + 1;
      }
      if (freed > 0 || firstChunk !== record.firstChunk) {
        this.streamTable.put(streamKey(group.name, stream.name), {
          ...record,
          firstChunk,
          storedBytes: Math.max(0, record.storedBytes - freed),
        });
      }
    });
    stream.record = this.streamTable.get(streamKey(group.name, stream.name))!;
  }
}

/** ASCII order, as AWS sorts names. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `list` ends with the `count` events appended last (sequence numbers up to `nextSeq - 1`, in
 * order): then they are the tail chunk's, which can take more events in order.
 */
function endsWithSeqs(list: EventList, count: number, nextSeq: number): boolean {
  if (count === 0 || count > list.length) return false;
  return list.seq(list.length - count) === nextSeq - count && list.seq(list.length - 1) === nextSeq - 1;
}

/**
 * Puts events appended from the `from`-th on (sorted among themselves, older than the newest before them)
 * into place: only the part after the first of them moves.
 */
function mergeFrom(events: EventList, from: number): void {
  const timestamp = events.timestamp(from);
  const seq = events.seq(from);
  let start = from;
  while (start > 0 && (events.timestamp(start - 1) - timestamp || events.seq(start - 1) - seq) > 0) start--;
  events.sortFrom(start);
}
