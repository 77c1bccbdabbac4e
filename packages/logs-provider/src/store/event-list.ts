import { INGESTION_TIME, MESSAGE, SEQ, TIMESTAMP, type EventChunkRecord, type StoredEvent } from './records';

const INITIAL_CAPACITY = 64;
/** Dropped (expired) events' slots are given back once they are this many and half the list. */
const COMPACT_AFTER = 1024;

/**
 * A stream's events in order (by timestamp, then sequence number), held as columns: the three times in
 * number arrays, and each message as a place in its stored chunk's text (the text itself shared by the
 * chunk's events). An event is not an object until it is read: held as a frozen tuple each, with two boxed
 * 13-digit times and a sliced string, a busy stream's events were four allocations per line that every
 * scavenge copied until they were promoted, the largest part of awslogs' CPU per line in the gateway.
 * A message is sliced out of its text when it is read (a short-lived string).
 *
 * Texts are numbered, and an event holds its text's number, not the text: a pointer stored per event into
 * a large array cost ~150 ns (the collector's bookkeeping of old-to-new references) against ~20 for the
 * numbers. A text is let go when no held event is in it any more (counted), so a rewritten tail chunk's
 * old text or an expired chunk's does not stay alive.
 */
export class EventList {
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private ingestion = new Float64Array(INITIAL_CAPACITY);
  private starts = new Uint32Array(INITIAL_CAPACITY);
  private ends = new Uint32Array(INITIAL_CAPACITY);
  /** Per event, the number of the text its message is in. */
  private textOf = new Uint32Array(INITIAL_CAPACITY);
  /** The texts by number ('' once let go), and how many held events are in each. */
  private texts: string[] = [];
  private refs: number[] = [];
  /** Events before `first` were dropped (expired); `end` is one past the last. */
  private first = 0;
  private end = 0;

  get length(): number {
    return this.end - this.first;
  }

  timestamp(i: number): number {
    return this.times[this.first + i]!;
  }

  seq(i: number): number {
    return this.seqs[this.first + i]!;
  }

  ingestionTime(i: number): number {
    return this.ingestion[this.first + i]!;
  }

  message(i: number): string {
    const j = this.first + i;
    return this.texts[this.textOf[j]!]!.slice(this.starts[j]!, this.ends[j]!);
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
    this.reserve(chunk.count - from);
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
    for (let j = end; j < this.end; j++) this.release(this.textOf[j]!);
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
    for (let j = this.first; j < first; j++) this.release(this.textOf[j]!);
    this.first = first;
    if (this.first >= COMPACT_AFTER && this.first * 2 >= this.end) this.compact();
  }

  /** Whether the events from the `from`-th on are in order. */
  sortedFrom(from: number): boolean {
    for (let j = this.first + Math.max(1, from); j < this.end; j++) if (this.compare(j - 1, j) > 0) return false;
    return true;
  }

  /**
   * Puts the events from the `from`-th on in order (chunks loaded, or a batch older than the newest event
   * merged into place); the events before it must come before them all.
   */
  sortFrom(from: number): void {
    const start = this.first + from;
    const order = Array.from({ length: this.end - start }, (_, k) => start + k).sort((a, b) => this.compare(a, b));
    const times = order.map((j) => this.times[j]!);
    const seqs = order.map((j) => this.seqs[j]!);
    const ingestion = order.map((j) => this.ingestion[j]!);
    const starts = order.map((j) => this.starts[j]!);
    const ends = order.map((j) => this.ends[j]!);
    const textOf = order.map((j) => this.textOf[j]!);
    this.times.set(times, start);
    this.seqs.set(seqs, start);
    this.ingestion.set(ingestion, start);
    this.starts.set(starts, start);
    this.ends.set(ends, start);
    this.textOf.set(textOf, start);
  }

  /** Index of the first event at or after (timestamp, seq): before every event that is greater or equal. */
  indexOf(timestamp: number, seq: number): number {
    let low = this.first;
    let high = this.end;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.times[mid]! - timestamp || this.seqs[mid]! - seq) < 0) low = mid + 1;
      else high = mid;
    }
    return low - this.first;
  }

  private compare(a: number, b: number): number {
    return this.times[a]! - this.times[b]! || this.seqs[a]! - this.seqs[b]!;
  }

  private push(timestamp: number, seq: number, ingestionTime: number, text: number, start: number, end: number) {
    if (this.end === this.times.length) this.reserve(1);
    const j = this.end++;
    this.times[j] = timestamp;
    this.seqs[j] = seq;
    this.ingestion[j] = ingestionTime;
    this.starts[j] = start;
    this.ends[j] = end;
    this.textOf[j] = text;
  }

  /** Numbers a text that `events` events are about to be pushed in. */
  private addText(text: string, events: number): number {
    this.texts.push(text);
    this.refs.push(events);
    return this.texts.length - 1;
  }

  private release(text: number): void {
    if (--this.refs[text]! === 0) this.texts[text] = '';
  }

  /** Room for `count` more events. */
  private reserve(count: number): void {
    const needed = this.end + count;
    if (needed <= this.times.length) return;
    const capacity = Math.max(needed, this.times.length * 2);
    this.times = grown(this.times, new Float64Array(capacity), this.end);
    this.seqs = grown(this.seqs, new Float64Array(capacity), this.end);
    this.ingestion = grown(this.ingestion, new Float64Array(capacity), this.end);
    this.starts = grown(this.starts, new Uint32Array(capacity), this.end);
    this.ends = grown(this.ends, new Uint32Array(capacity), this.end);
    this.textOf = grown(this.textOf, new Uint32Array(capacity), this.end);
  }

  /** Moves the held events to the front, and renumbers the texts still in use, so dropped ones take no room. */
  private compact(): void {
    const { first, end } = this;
    this.times.copyWithin(0, first, end);
    this.seqs.copyWithin(0, first, end);
    this.ingestion.copyWithin(0, first, end);
    this.starts.copyWithin(0, first, end);
    this.ends.copyWithin(0, first, end);
    this.textOf.copyWithin(0, first, end);
    this.first = 0;
    this.end = end - first;
    const renumbered = new Int32Array(this.texts.length);
    const texts: string[] = [];
    const refs: number[] = [];
    for (let k = 0; k < this.texts.length; k++) {
      if (this.refs[k] === 0) continue;
      renumbered[k] = texts.length;
      texts.push(this.texts[k]!);
      refs.push(this.refs[k]!);
    }
    for (let j = 0; j < this.end; j++) this.textOf[j] = renumbered[this.textOf[j]!]!;
    this.texts = texts;
    this.refs = refs;
  }
}

/** What readers of a stream's events use: reading only. */
export type EventView = Pick<
  EventList,
  'length' | 'timestamp' | 'seq' | 'ingestionTime' | 'message' | 'at' | 'slice' | 'indexOf'
>;

function grown<T extends Float64Array | Uint32Array>(from: T, to: T, length: number): T {
  to.set(from.subarray(0, length));
  return to;
}
