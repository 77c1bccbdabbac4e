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
 */
export interface EventChunkRecord {
  readonly events: readonly StoredEvent[];
  /** UTF-8 bytes of the messages. */
  readonly bytes: number;
  readonly maxTimestamp: number;
}

export const streamKey = (group: string, stream: string) => `${group}:${stream}`;
export const chunkKey = (group: string, stream: string, n: number) => `${group}:${stream}:${n}`;
