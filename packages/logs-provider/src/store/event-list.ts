import { INGESTION_TIME, MESSAGE, SEQ, TIMESTAMP, type EventChunkRecord, type StoredEvent } from './records';

/**
 * Events per block (a power of two): a full block's columns are one ArrayBuffer of 72 KiB, under malloc's
 * threshold for a fresh mapping, so blocks come from reused memory and are never copied once full.
 */
const BLOCK_SHIFT = 11;
const BLOCK = 1 << BLOCK_SHIFT;
const BLOCK_MASK = BLOCK - 1;
/** A stream's first block starts this small and doubles up to BLOCK: a quiet stream takes little room. */
const INITIAL_CAPACITY = 64;
/** Let-go texts at the front of the list are forgotten once they are this many and half the list. */
const FORGET_TEXTS_AFTER = 1024;

type Columns = [timestamp: number, seq: number, ingestionTime: number, start: number, end: number, text: number];

/** One block of events: the columns, views of one buffer. */
class Block {
  readonly times: Float64Array;
  readonly seqs: Float64Array;
  readonly ingestion: Float64Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  /** Per event, the number of the text its message is in. */
  readonly textOf: Uint32Array;

  constructor(readonly capacity: number) {
    const buffer = new ArrayBuffer(capacity * 36);
    this.times = new Float64Array(buffer, 0, capacity);
    this.seqs = new Float64Array(buffer, capacity * 8, capacity);
    this.ingestion = new Float64Array(buffer, capacity * 16, capacity);
    this.starts = new Uint32Array(buffer, capacity * 24, capacity);
    this.ends = new Uint32Array(buffer, capacity * 28, capacity);
    this.textOf = new Uint32Array(buffer, capacity * 32, capacity);
  }

  /** A block of `capacity` holding this one's first `length` events (the first block growing). */
  grown(capacity: number, length: number): Block {
    const block = new Block(capacity);
    block.times.set(this.times.subarray(0, length));
    block.seqs.set(this.seqs.subarray(0, length));
    block.ingestion.set(this.ingestion.subarray(0, length));
    block.starts.set(this.starts.subarray(0, length));
    block.ends.set(this.ends.subarray(0, length));
    block.textOf.set(this.textOf.subarray(0, length));
    return block;
  }
}

/**
 * A stream's events in order (by timestamp, then sequence number), held as columns: the three times in
 * number arrays, and each message as a place in its stored chunk's text (the text itself shared by the
 * chunk's events). An event is not an object until it is read: held as a frozen tuple each, with two boxed
 * 13-digit times and a sliced string, a busy stream's events were four allocations per line that every
 * scavenge copied until they were promoted, the largest part of awslogs' CPU per line in the gateway.
 * A message is sliced out of its text when it is read (a short-lived string).
 *
 * The columns are cut into blocks of BLOCK events: a list that grows allocates a block, where one array
 * per column doubled and copied everything held (a tenth of the gateway's time under a busy log: large
 * fresh allocations, page faults and the copy). Expired blocks at the front are let go whole.
 *
 * Texts are numbered, and an event holds its text's number, not the text: a pointer stored per event into
 * a large array cost ~150 ns (the collector's bookkeeping of old-to-new references) against ~20 for the
 * numbers. A text is let go when no held event is in it any more (counted), so a rewritten tail chunk's
 * old text or an expired chunk's does not stay alive.
 */
export class EventList {
  private blocks: Block[] = [new Block(INITIAL_CAPACITY)];
  /** The texts by number less `textBase` ('' once let go), and how many held events are in each. */
  private texts: string[] = [];
  private refs: number[] = [];
  /** The number of `texts[0]`: texts before it were let go and forgotten. */
  private textBase = 0;
  /** How many texts at the front were let go when last counted: a let-go text is never held again. */
  private leadingDead = 0;
  /** Events before `first` were dropped (expired); `end` is one past the last. Indexes into the blocks. */
  private first = 0;
  private end = 0;

  get length(): number {
    return this.end - this.first;
  }

  timestamp(i: number): number {
    const j = this.first + i;
    return this.blocks[j >>> BLOCK_SHIFT]!.times[j & BLOCK_MASK]!;
  }

  seq(i: number): number {
    const j = this.first + i;
    return this.blocks[j >>> BLOCK_SHIFT]!.seqs[j & BLOCK_MASK]!;
  }

  ingestionTime(i: number): number {
    const j = this.first + i;
    return this.blocks[j >>> BLOCK_SHIFT]!.ingestion[j & BLOCK_MASK]!;
  }

  message(i: number): string {
    const j = this.first + i;
    const block = this.blocks[j >>> BLOCK_SHIFT]!;
    const k = j & BLOCK_MASK;
    return this.texts[block.textOf[k]! - this.textBase]!.slice(block.starts[k]!, block.ends[k]!);
  }

  /** The `i`-th event as a tuple (a new one each time). */
  at(i: number): StoredEvent {
    return [this.timestamp(i), this.seq(i), this.ingestionTime(i), this.message(i)];
  }

  /** The events `from` up to `to` (all by default), as tuples. */
  slice(from = 0, to = this.length): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = from; i < to; i++) out.push(this.at(i));
    return out;
  }

  /**
   * Appends a stored chunk's events, its `from`-th on, in the chunk's order: their messages stay in the
   * chunk's text (held once, as the stored record holds it).
   */
  pushChunk(chunk: EventChunkRecord, from = 0): void {
    if ('events' in chunk) {
      for (let i = from; i < chunk.events.length; i++) {
        const event = chunk.events[i]!;
        const message = event[MESSAGE];
        this.push(event[TIMESTAMP], event[SEQ], event[INGESTION_TIME], this.addText(message, 1), 0, message.length);
      }
      return;
    }
    if (from >= chunk.count) return;
    const { lengths, timestamps, ingestion } = chunk;
    const text = this.addText(chunk.text, chunk.count - from);
    let timestamp = chunk.firstTimestamp;
    let offset = 0;
    let run = 0;
    let runLeft = ingestion[0] ?? 0;
    for (let i = 0; i < chunk.count; i++) {
      if (runLeft === 0) {
        run += 2;
        runLeft = ingestion[run]!;
      }
      runLeft--;
      timestamp += timestamps[i]!;
      const length = lengths[i]!;
      if (i >= from) this.push(timestamp, chunk.firstSeq + i, ingestion[run + 1]!, text, offset, offset + length);
      offset += length;
    }
  }

  /** Keeps the first `length` events. */
  truncate(length: number): void {
    const end = this.first + length;
    for (let j = end; j < this.end; j++) this.release(this.blocks[j >>> BLOCK_SHIFT]!.textOf[j & BLOCK_MASK]!);
    this.end = end;
    // The last texts, when nothing is in them any more (a rewritten tail chunk's), are forgotten.
    while (this.refs.length > 0 && this.refs[this.refs.length - 1] === 0) {
      this.refs.pop();
      this.texts.pop();
    }
  }

  /** Drops the first `count` events (expired). */
  dropFirst(count: number): void {
    const first = this.first + Math.min(count, this.length);
    for (let j = this.first; j < first; j++) this.release(this.blocks[j >>> BLOCK_SHIFT]!.textOf[j & BLOCK_MASK]!);
    this.first = first;
    // Blocks wholly dropped are let go (never the last: pushes go on in it).
    const dropped = Math.min(first >>> BLOCK_SHIFT, this.blocks.length - 1);
    if (dropped > 0) {
      this.blocks.splice(0, dropped);
      this.first -= dropped * BLOCK;
      this.end -= dropped * BLOCK;
    }
    this.forgetLeadingTexts();
  }

  /** Whether the events from the `from`-th on are in order. */
  sortedFrom(from: number): boolean {
    for (let i = Math.max(1, from); i < this.length; i++) if (this.compare(i - 1, i) > 0) return false;
    return true;
  }

  /**
   * Puts the events from the `from`-th on in order (chunks loaded, or a batch older than the newest event
   * merged into place); the events before it must come before them all.
   */
  sortFrom(from: number): void {
    const order = Array.from({ length: this.length - from }, (_, k) => from + k).sort((a, b) => this.compare(a, b));
    const events = order.map((i) => this.get(this.first + i));
    for (let n = 0; n < events.length; n++) this.set(this.first + from + n, ...events[n]!);
  }

  /** Index of the first event at or after (timestamp, seq): before every event that is greater or equal. */
  indexOf(timestamp: number, seq: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.timestamp(mid) - timestamp || this.seq(mid) - seq) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private compare(a: number, b: number): number {
    return this.timestamp(a) - this.timestamp(b) || this.seq(a) - this.seq(b);
  }

  private push(timestamp: number, seq: number, ingestionTime: number, text: number, start: number, end: number) {
    const j = this.end;
    let block = this.blocks[j >>> BLOCK_SHIFT];
    if (block === undefined) this.blocks.push((block = new Block(BLOCK)));
    else if ((j & BLOCK_MASK) === block.capacity) {
      // Only a stream's first block is ever short of BLOCK: it doubles, a bounded copy.
      block = this.blocks[j >>> BLOCK_SHIFT] = block.grown(Math.min(BLOCK, block.capacity * 2), block.capacity);
    }
    this.set(j, timestamp, seq, ingestionTime, start, end, text);
    this.end = j + 1;
  }

  /** The columns of the event at index `j` of the blocks, in `set`'s order. */
  private get(j: number): Columns {
    const block = this.blocks[j >>> BLOCK_SHIFT]!;
    const k = j & BLOCK_MASK;
    return [block.times[k]!, block.seqs[k]!, block.ingestion[k]!, block.starts[k]!, block.ends[k]!, block.textOf[k]!];
  }

  private set(...[j, timestamp, seq, ingestionTime, start, end, text]: [j: number, ...columns: Columns]): void {
    const block = this.blocks[j >>> BLOCK_SHIFT]!;
    const k = j & BLOCK_MASK;
    block.times[k] = timestamp;
    block.seqs[k] = seq;
    block.ingestion[k] = ingestionTime;
    block.starts[k] = start;
    block.ends[k] = end;
    block.textOf[k] = text;
  }

  /** Numbers a text that `events` events are about to be pushed in. */
  private addText(text: string, events: number): number {
    this.texts.push(text);
    this.refs.push(events);
    return this.textBase + this.texts.length - 1;
  }

  private release(text: number): void {
    const k = text - this.textBase;
    if (--this.refs[k]! === 0) this.texts[k] = '';
  }

  /**
   * Forgets the let-go texts at the front once they are many: events expire from the front, and so do their
   * chunks' texts. Numbers stay as they are (`textBase` moves), so no held event is renumbered.
   */
  private forgetLeadingTexts(): void {
    // Counted on from where the last count stopped (`truncate` may have popped texts since), so expiring
    // under retention does not rescan the let-go texts at the front on every drop.
    let dead = Math.min(this.leadingDead, this.refs.length);
    while (dead < this.refs.length && this.refs[dead] === 0) dead++;
    this.leadingDead = dead;
    if (dead < FORGET_TEXTS_AFTER || dead * 2 < this.refs.length) return;
    this.texts.splice(0, dead);
    this.refs.splice(0, dead);
    this.textBase += dead;
    this.leadingDead = 0;
  }
}

/** What readers of a stream's events use: reading only. */
export type EventView = Pick<
  EventList,
  'length' | 'timestamp' | 'seq' | 'ingestionTime' | 'message' | 'at' | 'slice' | 'indexOf'
>;
