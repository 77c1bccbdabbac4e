import type { Readable } from 'node:stream';
import { isLineCountMark, type LineCountMark, type LogLine, type LogMark, type LogPosition } from './container-backend';
import { ContainerBackendError } from './errors';

type StreamName = LogLine['stream'];

/** Splits a multiplexed stream into stdout and stderr payloads (the engine client's `demuxStream`). */
export type Demuxer = (source: Readable, stdout: PayloadSink, stderr: PayloadSink) => void;
export interface PayloadSink {
  write(payload: Buffer): boolean;
  /** The payload as `data[start, end)`: our demultiplexer's way, which makes no Buffer per frame. */
  writeRange?(data: Buffer, start: number, end: number): void;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CARRIAGE_RETURN = 0x0d;
/** Lines held before the socket is paused, so a slow reader never buffers a whole log in memory. */
const HIGH_WATER_LINES = 2048;
/** The engine's multiplexed stream: each frame is an 8-byte header (stream, 0, 0, 0, size) and a payload. */
const FRAME_HEADER_BYTES = 8;

interface Pending {
  parts: Buffer[];
  timestamp?: Date;
}

/** The last timestamp taken in on a stream, and how many messages carried it. */
type Mark = { -readonly [K in keyof LogMark]: LogMark[K] };

/**
 * Per stream in counting mode: the non-empty lines read from the log's start, how many of them to drop,
 * and what checks that the log still holds them all (see `LineCountMark.check`).
 */
interface LineCount {
  read: number;
  skip: number;
  /** The position's time: what the stream falls back to when the count does not match. */
  at: number;
  /** The check of the `skip`-th line, until that line was read and compared. */
  check?: string;
  /** Lines within the skipped count but stamped after `at`: undelivered if the count turns out wrong. */
  held: LogLine[];
  /** Held lines let go (the oldest) to bound memory: lost if the count turns out wrong. */
  letGo: number;
  /** The count did not match the log: lines stamped at or before `at` are dropped instead. */
  byTime: boolean;
  /** The last non-empty line read (its check is made only when a mark needs it). */
  lastText?: string;
  lastCheck?: string;
}
type LineCounts = Record<StreamName, LineCount>;

/**
 * Most lines held while a count is unchecked. The engine's log copier stamps a line when it gets to it,
 * which under load is well after the attach stream handed it on (seen: thousands of delivered lines
 * stamped after the position), so many held lines are normal; beyond this the oldest are let go.
 */
const MAX_HELD_LINES = 50_000;

/**
 * Turns the payloads of a timestamped log stream into lines. Each payload is one log message prefixed
 * with its RFC 3339 timestamp; a message longer than the log driver's buffer (16 KiB) arrives as
 * several messages of which only the last ends in a newline, so a line is completed across payloads
 * and keeps the timestamp of its first part.
 *
 * It also remembers, per stream, where it got to, so the log can be read again after a follow the
 * engine cut short without repeating a line. Within one stream the engine's timestamps never go back
 * (the parts of a long line share one), so "after" is a later timestamp, or the same one once the
 * messages already seen with it are skipped.
 */
export class LogLineParser {
  private readonly pending: Record<StreamName, Pending> = { stdout: { parts: [] }, stderr: { parts: [] } };
  private readonly seen: Record<StreamName, Mark | undefined>;
  private skipping: Record<StreamName, Mark | undefined>;
  private raw: Buffer = Buffer.alloc(0);
  /**
   * Set when `after` counts lines (a position taken from the attach stream): the log is then read from
   * its start, the first lines of each stream dropped by count, and every line marked with its count.
   */
  private readonly counts?: LineCounts;
  /** In counting mode, the time of the last line delivered before: no line is given an earlier one. */
  private readonly floor?: Date;

  /**
   * `after`: a position an earlier reader got to; messages (or counted lines) up to it are dropped.
   * `onMismatch`: told when a count does not match the log, and the stream resumes by time instead.
   */
  constructor(
    after?: LogPosition,
    private readonly onMismatch?: (stream: StreamName, reason: string) => void,
  ) {
    if (isLineCountMark(after?.stdout) || isLineCountMark(after?.stderr)) {
      const count = (mark: LogMark | LineCountMark | undefined): LineCount =>
        isLineCountMark(mark)
          ? {
              read: 0,
              skip: mark.lines,
              at: mark.at,
              check: mark.lines > 0 ? mark.check : undefined,
              held: [],
              letGo: 0,
              byTime: false,
            }
          : { read: 0, skip: 0, at: 0, held: [], letGo: 0, byTime: false };
      const at = (mark: LogMark | LineCountMark | undefined) => (isLineCountMark(mark) ? mark.at : 0);
      this.counts = { stdout: count(after?.stdout), stderr: count(after?.stderr) };
      this.floor = new Date(Math.max(at(after?.stdout), at(after?.stderr)));
      this.seen = { stdout: undefined, stderr: undefined };
      this.skipping = { stdout: undefined, stderr: undefined };
      return;
    }
    const mark = (m: LogMark | LineCountMark | undefined) => (m && !isLineCountMark(m) ? { ...m } : undefined);
    this.seen = { stdout: mark(after?.stdout), stderr: mark(after?.stderr) };
    this.skipping = { stdout: mark(after?.stdout), stderr: mark(after?.stderr) };
  }

  /** Whether positions are line counts, so a read again must start from the log's start. */
  get counting(): boolean {
    return this.counts !== undefined;
  }

  private readonly clock = new TimestampParser();

  /** One demultiplexed message; its lines are appended to `lines`. */
  message(stream: StreamName, payload: Buffer, lines: LogLine[] = []): LogLine[] {
    return this.messageRange(stream, payload, 0, payload.length, lines);
  }

  /**
   * One message that is `data[from, to)`: lines are decoded straight from the read they arrived in, so
   * a busy log makes no Buffer per message or line (only a line cut across messages is copied).
   */
  messageRange(stream: StreamName, data: Buffer, from: number, to: number, lines: LogLine[] = []): LogLine[] {
    if (this.counts) {
      const first = lines.length;
      this.messageLines(stream, data, from, to, lines);
      this.count(lines, first);
      return lines;
    }
    return this.messageLines(stream, data, from, to, lines);
  }

  private messageLines(stream: StreamName, data: Buffer, from: number, to: number, lines: LogLine[]): LogLine[] {
    const clock = this.clock;
    const bodyStart = clock.split(data, from, to);
    const rawTimestamp = clock.rawTimestamp;
    const timestamp = clock.timestamp;
    if (!this.accept(stream, rawTimestamp)) return lines;
    const pending = this.pending[stream];
    let start = bodyStart;
    for (let newline = indexOfNewline(data, start, to); newline >= 0; newline = indexOfNewline(data, start, to)) {
      // Only a line that ends its message marks a point to resume after: the message is then all taken.
      const mark = rawTimestamp !== undefined && newline === to - 1 ? this.markOf(stream) : undefined;
      if (pending.parts.length === 0) {
        const line = data.toString('utf8', start, newline);
        lines.push(mark ? { stream, timestamp, line, mark } : { stream, timestamp, line });
      } else {
        pending.parts.push(data.subarray(start, newline));
        lines.push(this.take(stream, pending.timestamp ?? timestamp, mark));
      }
      start = newline + 1;
    }
    if (start < to) {
      pending.parts.push(Buffer.from(data.subarray(start, to)));
      pending.timestamp ??= timestamp;
    }
    return lines;
  }

  /**
   * A chunk of a TTY container's stream, which is not multiplexed: chunks fall anywhere, so lines are
   * found first and each line's timestamp read from its start. The terminal ends lines with CR LF.
   */
  chunk(data: Buffer): LogLine[] {
    this.raw = this.raw.length > 0 ? Buffer.concat([this.raw, data]) : data;
    const lines: LogLine[] = [];
    let start = 0;
    for (let newline = this.raw.indexOf(NEWLINE); newline >= 0; newline = this.raw.indexOf(NEWLINE, start)) {
      const line = this.ttyLine(this.raw.subarray(start, newline));
      if (line) lines.push(line);
      start = newline + 1;
    }
    this.raw = Buffer.from(this.raw.subarray(start));
    return lines;
  }

  /** Whatever the stream ended with that had no line break. */
  flush(): LogLine[] {
    const lines: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const pending = this.pending[stream];
      if (pending.parts.length > 0) {
        lines.push(this.take(stream, pending.timestamp ?? new Date(), this.markOf(stream)));
      }
    }
    if (this.raw.length > 0) {
      const line = this.ttyLine(this.raw);
      if (line) lines.push(line);
      this.raw = Buffer.alloc(0);
    }
    if (this.counts) {
      this.count(lines, 0);
      // The log ended short of a position's count: it no longer holds every line from its start.
      for (const stream of ['stdout', 'stderr'] as const) {
        const count = this.counts[stream];
        if (!count.byTime && count.read < count.skip && count.check !== undefined)
          this.fallBack(stream, `the log holds ${count.read} lines, fewer than the ${count.skip} delivered`, lines);
      }
    }
    return lines;
  }

  /**
   * Counting mode: drops the lines of `lines[first…]` an earlier reader took (by count per stream) and
   * marks the rest with their count. An empty line is not counted (the attach side counts the same way;
   * empty lines are never shipped), and is dropped while still inside what was taken.
   */
  private count(lines: LogLine[], first: number): void {
    const counts = this.counts!;
    // Lines are taken out of `lines[first…]` and the kept ones written back in order (a fall-back can
    // add held lines, so the kept ones are gathered apart).
    const kept: LogLine[] = [];
    for (let i = first; i < lines.length; i++) {
      const line = lines[i]!;
      const count = counts[line.stream];
      const text = line.line.length > 0;
      if (text) {
        count.read++;
        count.lastText = line.line;
        count.lastCheck = undefined;
      }
      if (!count.byTime) {
        if (count.read < count.skip || (count.read === count.skip && text)) {
          if (count.check === undefined) continue;
          if (count.read === count.skip) {
            // The line the count skips to: the log still holds every line from its start if it matches.
            if (this.checkOf(count) === count.check) {
              count.check = undefined;
              count.held = [];
              continue;
            }
            this.fallBack(line.stream, `line ${count.read} is not the one delivered`, kept);
          } else {
            // Stamped after the position: delivered if the count holds (the engine stamped it late), else not.
            if (line.timestamp.getTime() > count.at) count.held.push(this.marked(line, count));
            if (count.held.length > MAX_HELD_LINES) {
              const half = MAX_HELD_LINES / 2;
              count.held.splice(0, half);
              count.letGo += half;
            }
            continue;
          }
        }
      }
      if (count.byTime && line.timestamp.getTime() <= count.at) continue;
      kept.push(this.marked(line, count));
    }
    lines.length = first;
    for (const line of kept) lines.push(line);
  }

  /** Gives up a stream's count: warns, hands on the held lines, and drops by time from now on. */
  private fallBack(stream: StreamName, reason: string, out: LogLine[]): void {
    const count = this.counts![stream];
    count.byTime = true;
    count.check = undefined;
    for (const line of count.held) out.push(line);
    count.held = [];
    const lost = count.letGo > 0 ? ` (${count.letGo} lines stamped after it were let go and are lost)` : '';
    this.onMismatch?.(stream, `${reason}; resuming after ${new Date(count.at).toISOString()} instead${lost}`);
  }

  private marked(line: LogLine, count: LineCount): LogLine {
    const floor = this.floor!;
    const timestamp = line.timestamp.getTime() < floor.getTime() ? floor : line.timestamp;
    const check = this.checkOf(count);
    return {
      stream: line.stream,
      timestamp,
      line: line.line,
      mark:
        check === undefined
          ? { lines: count.read, at: timestamp.getTime() }
          : { lines: count.read, at: timestamp.getTime(), check },
    };
  }

  private checkOf(count: LineCount): string | undefined {
    if (count.lastText === undefined) return undefined;
    return (count.lastCheck ??= lineCheck(count.lastText));
  }

  /** From now on, drop the messages already taken in: the log is being read again from earlier. */
  resume(): void {
    if (this.counts) {
      for (const count of Object.values(this.counts)) {
        if (count.read >= count.skip) {
          // Everything read so far was handed on or dropped: skip it all, checked against its last line
          // (a stream that fell back to time counts this log's lines, so it resumes by count again).
          count.skip = count.read;
          count.check = count.skip > 0 ? this.checkOf(count) : undefined;
          count.byTime = false;
        }
        // Held lines come again with the re-read.
        count.held = [];
        count.letGo = 0;
        count.read = 0;
        count.lastText = undefined;
        count.lastCheck = undefined;
      }
      for (const stream of ['stdout', 'stderr'] as const) this.pending[stream] = { parts: [] };
      this.raw = Buffer.alloc(0);
      return;
    }
    this.skipping = {
      stdout: this.seen.stdout && { ...this.seen.stdout },
      stderr: this.seen.stderr && { ...this.seen.stderr },
    };
    // A TTY line cut by the end of the first read is read again whole.
    this.raw = Buffer.alloc(0);
  }

  /** The newest timestamp taken in on either stream. */
  latest(): Date | undefined {
    // Counted lines are found again only from the log's start.
    if (this.counts) return undefined;
    const newest = [this.seen.stdout?.timestamp, this.seen.stderr?.timestamp]
      .filter((t) => t !== undefined)
      .sort()
      .pop();
    return newest === undefined ? undefined : new Date(newest);
  }

  /** Whether a message is new (not one seen before `resume()`), recording it if so. */
  private accept(stream: StreamName, rawTimestamp: string | undefined): boolean {
    if (rawTimestamp === undefined) return true;
    const mark = this.skipping[stream];
    if (mark) {
      if (rawTimestamp < mark.timestamp) return false;
      if (rawTimestamp === mark.timestamp && mark.count > 0) {
        mark.count--;
        return false;
      }
      this.skipping[stream] = undefined;
    }
    const seen = this.seen[stream];
    if (seen?.timestamp === rawTimestamp) seen.count++;
    else this.seen[stream] = { timestamp: rawTimestamp, count: 1 };
    return true;
  }

  private ttyLine(raw: Buffer): LogLine | undefined {
    const bodyStart = this.clock.split(raw, 0, raw.length);
    const { rawTimestamp, timestamp } = this.clock;
    if (!this.accept('stdout', rawTimestamp)) return undefined;
    const end = raw.length > bodyStart && raw[raw.length - 1] === CARRIAGE_RETURN ? raw.length - 1 : raw.length;
    const mark = rawTimestamp === undefined ? undefined : this.markOf('stdout');
    return { stream: 'stdout', timestamp, line: raw.toString('utf8', bodyStart, end), mark };
  }

  private markOf(stream: StreamName): LogMark | undefined {
    const seen = this.seen[stream];
    return seen && { timestamp: seen.timestamp, count: seen.count };
  }

  private take(stream: StreamName, timestamp: Date, mark: LogMark | undefined): LogLine {
    const pending = this.pending[stream];
    // Most lines are one part: decode it in place rather than copy it first.
    const line = (pending.parts.length === 1 ? pending.parts[0]! : Buffer.concat(pending.parts)).toString('utf8');
    pending.parts = [];
    pending.timestamp = undefined;
    return mark ? { stream, timestamp, line, mark } : { stream, timestamp, line };
  }
}

/**
 * Reads a log response as batches of lines, one batch for whatever arrived since the reader last took
 * one, so a fast log costs one iteration per socket read rather than per line. The socket is paused while
 * lines wait for the reader and destroyed when the reader stops, so nothing is dropped and nothing is
 * left open.
 */
export async function* readLogBatches(
  source: Readable,
  options: {
    demux?: Demuxer;
    signal?: AbortSignal;
    /** To carry partial lines and what was seen over to a second read of the same log. */
    parser?: LogLineParser;
    /** Emit an unterminated last line at the end (default); not when the log is read again after. */
    flush?: boolean;
    /** Cuts lines out of the reads itself (the attach stream), instead of `demux` and the parser. */
    splitter?: AttachLineSplitter;
  },
): AsyncGenerator<LogLine[], void, undefined> {
  const parser = options.parser ?? new LogLineParser();
  const splitter = options.splitter;
  let queue: LogLine[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const queued = () => {
    if (queue.length >= HIGH_WATER_LINES) source.pause();
    if (queue.length > 0) notify();
  };
  const sink = (stream: StreamName): PayloadSink => ({
    write: (payload) => {
      parser.message(stream, payload, queue);
      queued();
      return true;
    },
    writeRange: (data, start, end) => {
      parser.messageRange(stream, data, start, end, queue);
      queued();
    },
  });

  if (splitter)
    source.on('data', (data: Buffer) => {
      splitter.data(data, queue);
      queued();
    });
  else if (options.demux) options.demux(source, sink('stdout'), sink('stderr'));
  else
    source.on('data', (data: Buffer) => {
      for (const line of parser.chunk(data)) queue.push(line);
      queued();
    });
  source.on('end', () => {
    ended = true;
    notify();
  });
  source.on('error', (error) => {
    failure ??= error;
    notify();
  });
  source.on('close', () => {
    if (!ended) failure ??= new ContainerBackendError('The log stream closed before its end.');
    notify();
  });
  const onAbort = () => {
    failure = options.signal?.reason ?? new Error('aborted');
    notify();
  };
  options.signal?.addEventListener('abort', onAbort);

  try {
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (queue.length > 0) {
        const batch = queue;
        queue = [];
        if (source.isPaused()) source.resume();
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) {
        const rest = splitter ? splitter.flush() : options.flush !== false ? parser.flush() : [];
        if (rest.length > 0) yield rest;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    source.destroy();
  }
}

/** `readLogBatches`, line by line. */
export async function* readLogLines(
  source: Readable,
  options: Parameters<typeof readLogBatches>[1],
): AsyncGenerator<LogLine, void, undefined> {
  for await (const batch of readLogBatches(source, options)) yield* batch;
}

/**
 * Cuts lines out of the engine's attach stream of a container without a TTY: multiplexed frames of
 * whatever the container wrote, as the engine read it from the container's pipes (a buffered writer's
 * frame holds many lines; no timestamps, no 16 KiB split). All lines of one socket read get one
 * timestamp, the time of that read: Docker's own log drivers (json-file, awslogs) stamp a line when the
 * engine reads it from the container, and this is that moment one local hop later. The last line of each
 * stream in a read carries a `LineCountMark` (non-empty lines from the output's start), which is what a
 * re-read of the json-file log skips by when the attach stream is lost.
 */
export class AttachLineSplitter {
  private readonly pending: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly read: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private readonly lastText: Record<StreamName, string | undefined> = { stdout: undefined, stderr: undefined };
  private rest?: Buffer;
  private last = new Date(0);

  /** One socket read: its lines are appended to `lines`. */
  data(data: Buffer, lines: LogLine[]): void {
    const now = this.now();
    let chunk = data;
    if (this.rest) {
      chunk = Buffer.concat([this.rest, data]);
      this.rest = undefined;
    }
    const first = lines.length;
    let offset = 0;
    while (chunk.length - offset >= FRAME_HEADER_BYTES) {
      const end = offset + FRAME_HEADER_BYTES + chunk.readUInt32BE(offset + 4);
      if (end > chunk.length) break;
      // 2 is stderr; 1 (and 0, never sent here) stdout.
      this.frame(chunk[offset] === 2 ? 'stderr' : 'stdout', chunk, offset + FRAME_HEADER_BYTES, end, lines, now);
      offset = end;
    }
    if (offset < chunk.length) this.rest = Buffer.from(chunk.subarray(offset));
    this.mark(lines, first);
  }

  /** The output ended: a last line without a line break. */
  flush(): LogLine[] {
    const lines: LogLine[] = [];
    const now = this.now();
    for (const stream of ['stdout', 'stderr'] as const) {
      const parts = this.pending[stream];
      if (parts.length === 0) continue;
      this.pending[stream] = [];
      this.push(stream, Buffer.concat(parts).toString('utf8'), lines, now);
    }
    this.mark(lines, 0);
    return lines;
  }

  private frame(stream: StreamName, data: Buffer, from: number, to: number, lines: LogLine[], now: Date): void {
    let start = from;
    const parts = this.pending[stream];
    if (parts.length > 0) {
      // The end of a line cut by the frame before.
      const newline = indexOfNewline(data, start, to);
      if (newline < 0) {
        parts.push(Buffer.from(data.subarray(start, to)));
        return;
      }
      parts.push(data.subarray(start, newline));
      this.pending[stream] = [];
      this.push(stream, Buffer.concat(parts).toString('utf8'), lines, now);
      start = newline + 1;
    }
    // The frame's whole lines are decoded as one string and cut there: a buffered writer's frame holds
    // hundreds of lines, and a Buffer view and a decoding call per line were most of the splitter's cost.
    // A newline byte is never part of a UTF-8 sequence, so each line decodes as it would alone (invalid
    // bytes included: the decoder ends a broken sequence at the newline as it would at the end).
    const last = lastIndexOfByte(data, NEWLINE, start, to);
    if (last >= 0) {
      const text = data.toString('utf8', start, last);
      let at = 0;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', at)) {
        this.push(stream, text.slice(at, newline), lines, now);
        at = newline + 1;
      }
      this.push(stream, at === 0 ? text : text.slice(at), lines, now);
      start = last + 1;
    }
    if (start < to) this.pending[stream].push(Buffer.from(data.subarray(start, to)));
  }

  private push(stream: StreamName, line: string, lines: LogLine[], timestamp: Date): void {
    if (line.length > 0) {
      this.read[stream]++;
      this.lastText[stream] = line;
    }
    lines.push({ stream, timestamp, line });
  }

  /** Marks the last line of each stream among `lines[first…]`: a position is only needed per read. */
  private mark(lines: LogLine[], first: number): void {
    let stdout = false;
    let stderr = false;
    for (let i = lines.length - 1; i >= first && !(stdout && stderr); i--) {
      const line = lines[i]!;
      if (line.stream === 'stdout' ? stdout : stderr) continue;
      if (line.stream === 'stdout') stdout = true;
      else stderr = true;
      const text = this.lastText[line.stream];
      const mark: LineCountMark = { lines: this.read[line.stream], at: line.timestamp.getTime() };
      lines[i] = { ...line, mark: text === undefined ? mark : { ...mark, check: lineCheck(text) } };
    }
  }

  /** The time of a read; never earlier than the one before (a clock set back must not reorder lines). */
  private now(): Date {
    const now = Date.now();
    if (now > this.last.getTime()) this.last = new Date(now);
    return this.last;
  }
}

/**
 * Splits the engine's multiplexed stream into stdout and stderr payloads. Frames straddle chunks, so a
 * partial frame is carried over; only that remainder is ever copied (the engine client's demuxStream
 * copies its whole pending buffer once per frame, quadratic in a chunk of short lines).
 */
export const demuxFrames: Demuxer = (source, stdout, stderr) => {
  let rest: Buffer | undefined;
  source.on('data', (data: Buffer) => {
    let chunk = data;
    if (rest) {
      chunk = Buffer.concat([rest, data]);
      rest = undefined;
    }
    let offset = 0;
    while (chunk.length - offset >= FRAME_HEADER_BYTES) {
      const size = chunk.readUInt32BE(offset + 4);
      const end = offset + FRAME_HEADER_BYTES + size;
      if (end > chunk.length) break;
      // 1 is stdout, 2 stderr; 0 (stdin) is never sent for logs and is read as stdout like the engine client does.
      const sink = chunk[offset] === 2 ? stderr : stdout;
      if (sink.writeRange) sink.writeRange(chunk, offset + FRAME_HEADER_BYTES, end);
      else sink.write(chunk.subarray(offset + FRAME_HEADER_BYTES, end));
      offset = end;
    }
    if (offset < chunk.length) rest = Buffer.from(chunk.subarray(offset));
  });
};

/**
 * Reads the RFC 3339 timestamp (`2006-01-02T15:04:05.000000000Z`, fixed width, so timestamps compare as
 * strings) that prefixes each message. The date and time to the second is parsed once per second of log
 * and the milliseconds added, and one Date is shared by the lines of a millisecond: a busy log has
 * thousands of lines per second, and a full date parse per line was a large share of its cost.
 */
class TimestampParser {
  private second = '';
  private secondMs = NaN;
  private last?: Date;
  /** What the last `split` found (fields rather than a returned object: this runs once per line). */
  rawTimestamp: string | undefined;
  timestamp: Date = new Date(0);

  /** Reads the timestamp that starts `data[from, to)`; returns where the message's body starts. */
  split(data: Buffer, from: number, to: number): number {
    const space = indexOfByte(data, SPACE, from, to);
    if (space > from) {
      const rawTimestamp = data.toString('latin1', from, space);
      const ms = this.parse(rawTimestamp);
      if (!Number.isNaN(ms)) {
        this.rawTimestamp = rawTimestamp;
        this.timestamp = this.date(ms);
        return space + 1;
      }
    }
    this.rawTimestamp = undefined;
    this.timestamp = new Date();
    return from;
  }

  private parse(raw: string): number {
    // The engine's fixed form; anything else goes through the full parser.
    if (raw.length !== 30 || raw.charCodeAt(19) !== 0x2e || raw.charCodeAt(29) !== 0x5a) return Date.parse(raw);
    const second = raw.slice(0, 19);
    if (second !== this.second) {
      this.second = second;
      this.secondMs = Date.parse(`${second}Z`);
    }
    const millis = Number(raw.slice(20, 23));
    return Number.isInteger(millis) ? this.secondMs + millis : Date.parse(raw);
  }

  private date(ms: number): Date {
    if (this.last?.getTime() !== ms) this.last = new Date(ms);
    return this.last;
  }
}

/**
 * `data.indexOf(byte, from)`, but only within `data[from, to)`; -1 if not there. Searches a view of
 * that range: `data` is a whole socket read, and scanning it past `to` for each message made a read of
 * many small frames without the byte cost quadratic time. Exported for its tests.
 */
export function indexOfByte(data: Buffer, byte: number, from: number, to: number): number {
  if (from >= to) return -1;
  const at = data.subarray(from, to).indexOf(byte);
  return at < 0 ? -1 : from + at;
}

/** `indexOfByte`, searching from the end of `data[from, to)`. */
function lastIndexOfByte(data: Buffer, byte: number, from: number, to: number): number {
  if (from >= to) return -1;
  const at = data.subarray(from, to).lastIndexOf(byte);
  return at < 0 ? -1 : from + at;
}

function indexOfNewline(data: Buffer, from: number, to: number): number {
  return indexOfByte(data, NEWLINE, from, to);
}

/**
 * The check of a line's text kept in a `LineCountMark`: 32-bit FNV-1a of its UTF-16 code units, in hex.
 * Not cryptographic: it only has to tell a rotated log's line from the one delivered.
 */
export function lineCheck(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
