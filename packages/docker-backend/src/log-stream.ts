import type { Readable } from 'node:stream';
import type { LogLine, LogMark, LogPosition } from './container-backend';
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

  /** `after`: a position an earlier reader got to; messages up to it are dropped. */
  constructor(after?: LogPosition) {
    this.seen = { stdout: after?.stdout && { ...after.stdout }, stderr: after?.stderr && { ...after.stderr } };
    this.skipping = { stdout: after?.stdout && { ...after.stdout }, stderr: after?.stderr && { ...after.stderr } };
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
    return lines;
  }

  /** From now on, drop the messages already taken in: the log is being read again from earlier. */
  resume(): void {
    this.skipping = {
      stdout: this.seen.stdout && { ...this.seen.stdout },
      stderr: this.seen.stderr && { ...this.seen.stderr },
    };
    // A TTY line cut by the end of the first read is read again whole.
    this.raw = Buffer.alloc(0);
  }

  /** The newest timestamp taken in on either stream. */
  latest(): Date | undefined {
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
  },
): AsyncGenerator<LogLine[], void, undefined> {
  const parser = options.parser ?? new LogLineParser();
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

  if (options.demux) options.demux(source, sink('stdout'), sink('stderr'));
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
        const rest = options.flush !== false ? parser.flush() : [];
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

function indexOfNewline(data: Buffer, from: number, to: number): number {
  return indexOfByte(data, NEWLINE, from, to);
}
