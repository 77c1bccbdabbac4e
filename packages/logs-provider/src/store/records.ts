/*
 * What is stored, table by table, for one account and region. Records are plain JSON; the store returns
 * them frozen, so a change is always a `put` of a new record.
 */

/** Table `groups`, keyed by log group name. */
export interface LogGroupRecord {
  readonly name: string;
  readonly creationTime: number;
  readonly retentionInDays?: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly kmsKeyId?: string;
  readonly logGroupClass: string;
  readonly deletionProtectionEnabled: boolean;
  /** Id for the group's next stream; stream ids make event ids unique and stable. */
  readonly nextStreamId: number;
}

/** Table `streams`, keyed by `<group>:<stream>` (neither name may contain `:`). */
export interface LogStreamRecord {
  readonly group: string;
  readonly name: string;
  readonly id: number;
  readonly creationTime: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  /** Sequence number of the stream's next event: orders events of equal timestamp by arrival. */
  readonly nextSeq: number;
  /** Chunk numbers in use are `firstChunk` up to `nextChunk - 1` (some may be gone by retention). */
  readonly firstChunk: number;
  readonly nextChunk: number;
  /** UTF-8 bytes of the messages held. */
  readonly storedBytes: number;
}

/** One log event as stored: compact, since streams hold many. */
export type StoredEvent = readonly [timestamp: number, seq: number, ingestionTime: number, message: string];

export const TIMESTAMP = 0;
export const SEQ = 1;
export const INGESTION_TIME = 2;
export const MESSAGE = 3;

/**
 * Table `chunks`, keyed by `<group>:<stream>:<n>`: the events of one or more consecutive PutLogEvents
 * batches of a stream, so a batch is one durable write and a stream is read chunk by chunk.
 *
 * Written packed (PackedChunk): the messages as one string and the numbers as small integers, so a write
 * of thousands of events costs the store's JSON copy of one string and two arrays of small integers
 * instead of a frozen tuple per event with its 13-digit timestamps written and parsed as text (about a
 * quarter of the CPU per event). The LogsStore keeps the events in memory as columns (EventList) whose
 * messages are places in `text`, so the messages are held once. Chunks written before hold `events`, and
 * are read as they are.
 */
export type EventChunkRecord = PackedChunk | UnpackedChunk;

interface ChunkSummary {
  /** UTF-8 bytes of the messages. */
  readonly bytes: number;
  readonly maxTimestamp: number;
}

export interface PackedChunk extends ChunkSummary {
  readonly count: number;
  /** Sequence number of the first event; the others follow one by one. */
  readonly firstSeq: number;
  /** Timestamp of the first event; `timestamps` holds each event's difference from the one before. */
  readonly firstTimestamp: number;
  readonly timestamps: readonly number[];
  /** Ingestion times as runs: count, time, count, time… */
  readonly ingestion: readonly number[];
  /** The messages end to end, and each one's length in UTF-16 code units. */
  readonly text: string;
  readonly lengths: readonly number[];
}

export interface UnpackedChunk extends ChunkSummary {
  readonly events: readonly StoredEvent[];
}

/** A new event as a batch brings it. */
export interface BatchEvent {
  readonly timestamp: number;
  readonly message: string;
}

/**
 * Packs a chunk: `previous` (stored events with consecutive sequence numbers, e.g. the tail chunk's, or none)
 * followed by `batch`, whose events get the next sequence numbers and ingestion time `now`. The new events
 * are packed straight from the batch, without a stored tuple each; the text is built by one `join`, a flat
 * string (`+=` would build a tree of one node per message, and keep the batch's strings in it).
 */
export function packChunk(
  previous: readonly StoredEvent[],
  batch: readonly BatchEvent[],
  /** The batch's first sequence number; `previous` must end just before it. */
  batchSeq: number,
  now: number,
  bytes: number,
  maxTimestamp: number,
): PackedChunk {
  const count = previous.length + batch.length;
  const timestamps = new Array<number>(count);
  const lengths = new Array<number>(count);
  const messages = new Array<string>(count);
  const ingestion: number[] = [];
  const addIngestion = (time: number) => {
    if (ingestion.length > 0 && ingestion[ingestion.length - 1] === time) ingestion[ingestion.length - 2]!++;
    else ingestion.push(1, time);
  };
  const firstTimestamp = previous.length > 0 ? previous[0]![TIMESTAMP] : batch[0]!.timestamp;
  let last = firstTimestamp;
  for (let i = 0; i < previous.length; i++) {
    const event = previous[i]!;
    if (event[SEQ] !== batchSeq - previous.length + i) throw new Error('a chunk holds consecutive sequence numbers');
    timestamps[i] = event[TIMESTAMP] - last;
    last = event[TIMESTAMP];
    addIngestion(event[INGESTION_TIME]);
    lengths[i] = event[MESSAGE].length;
    messages[i] = event[MESSAGE];
  }
  for (let i = 0, j = previous.length; i < batch.length; i++, j++) {
    const event = batch[i]!;
    timestamps[j] = event.timestamp - last;
    last = event.timestamp;
    lengths[j] = event.message.length;
    messages[j] = event.message;
  }
  if (batch.length > 0) {
    addIngestion(now);
    ingestion[ingestion.length - 2]! += batch.length - 1;
  }
  return {
    count,
    firstSeq: batchSeq - previous.length,
    firstTimestamp,
    timestamps,
    ingestion,
    text: messages.join(''),
    lengths,
    bytes,
    maxTimestamp,
  };
}

/** A chunk's events, unpacked when packed. */
export function chunkEvents(chunk: EventChunkRecord): readonly StoredEvent[] {
  if ('events' in chunk) return chunk.events;
  const events = new Array<StoredEvent>(chunk.count);
  let timestamp = chunk.firstTimestamp;
  let offset = 0;
  let run = 0;
  let runLeft = chunk.ingestion[0] ?? 0;
  for (let i = 0; i < chunk.count; i++) {
    if (runLeft === 0) {
      run += 2;
      runLeft = chunk.ingestion[run]!;
    }
    runLeft--;
    timestamp += chunk.timestamps[i]!;
    const length = chunk.lengths[i]!;
    events[i] = Object.freeze([
      timestamp,
      chunk.firstSeq + i,
      chunk.ingestion[run + 1]!,
      chunk.text.slice(offset, offset + length),
    ] as const);
    offset += length;
  }
  return events;
}

export function chunkCount(chunk: EventChunkRecord): number {
  return 'events' in chunk ? chunk.events.length : chunk.count;
}

export const streamKey = (group: string, stream: string) => `${group}:${stream}`;
export const chunkKey = (group: string, stream: string, n: number) => `${group}:${stream}:${n}`;
