import Dockerode from 'dockerode';
import { PassThrough } from 'node:stream';
import type { LogLine } from './container-backend';
import {
  AttachLineSplitter,
  LogLineParser,
  demuxFrames,
  indexOfByte,
  lineCheck,
  readLogBatches,
  readLogLines,
  type Demuxer,
} from './log-stream';

// The engine client's own demultiplexer (constructing the client does not connect), to compare ours with.
const modem = new Dockerode({ socketPath: '/nonexistent.sock' }).modem as unknown as { demuxStream: Demuxer };
const clientDemux: Demuxer = (source, stdout, stderr) => modem.demuxStream(source, stdout, stderr);
const demux = demuxFrames;

const T1 = '2026-01-02T03:04:05.123456789Z';
const T2 = '2026-01-02T03:04:06.000000001Z';

/** One frame of the engine's multiplexed stream: 8-byte header, then the payload. */
function frame(stream: 'stdout' | 'stderr', payload: string): Buffer {
  return frameBytes(stream, Buffer.from(payload));
}

function frameBytes(stream: 'stdout' | 'stderr', body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(stream === 'stdout' ? 1 : 2, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Writes `data` in chunks of varying sizes, so frames and lines straddle chunk boundaries. */
function writeChunked(target: PassThrough, data: Buffer): void {
  const sizes = [1, 3, 7, 8, 9, 100, 4096, 65536];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    target.write(data.subarray(offset, offset + size));
    offset += size;
  }
  target.end();
}

async function collect(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('LogLineParser', () => {
  test('reads the timestamp and splits the message into lines', () => {
    const parser = new LogLineParser();
    expect(parser.message('stdout', Buffer.from(`${T1} hello\n`))).toEqual([
      {
        stream: 'stdout',
        timestamp: new Date('2026-01-02T03:04:05.123Z'),
        line: 'hello',
        mark: { timestamp: T1, count: 1 },
      },
    ]);
    expect(parser.message('stderr', Buffer.from(`${T2} \n`))).toEqual([
      { stream: 'stderr', timestamp: new Date(T2), line: '', mark: { timestamp: T2, count: 1 } },
    ]);
  });

  test('reads every millisecond of fixed-width timestamps across seconds, and other RFC 3339 forms', () => {
    const parser = new LogLineParser();
    const times = [
      '2026-01-02T03:04:05.999999999Z',
      '2026-01-02T03:04:06.000000001Z',
      '2026-01-02T03:04:06.000900000Z',
      '2026-01-02T03:04:06.042000000Z',
      '2026-12-31T23:59:59.001000000Z',
      '2026-01-02T03:04:07.5Z',
      '2026-01-02T04:04:07.250000000+01:00',
    ];
    const lines = times.flatMap((t) => parser.message('stdout', Buffer.from(`${t} x\n`)));
    expect(lines.map((l) => l.timestamp.toISOString())).toEqual([
      '2026-01-02T03:04:05.999Z',
      '2026-01-02T03:04:06.000Z',
      '2026-01-02T03:04:06.000Z',
      '2026-01-02T03:04:06.042Z',
      '2026-12-31T23:59:59.001Z',
      '2026-01-02T03:04:07.500Z',
      '2026-01-02T03:04:07.250Z',
    ]);
  });

  test("joins a long line the log driver split into partial messages, keeping the first part's time", () => {
    const parser = new LogLineParser();
    expect(parser.message('stdout', Buffer.from(`${T1} aaa`))).toEqual([]);
    expect(parser.message('stderr', Buffer.from(`${T2} other\n`))).toEqual([
      { stream: 'stderr', timestamp: new Date(T2), line: 'other', mark: { timestamp: T2, count: 1 } },
    ]);
    // Marked by its last part: resuming after the line skips every part.
    expect(parser.message('stdout', Buffer.from(`${T2} bbb\n`))).toEqual([
      { stream: 'stdout', timestamp: new Date(T1), line: 'aaabbb', mark: { timestamp: T2, count: 1 } },
    ]);
  });

  test('flushes a last line without a line break', () => {
    const parser = new LogLineParser();
    parser.message('stdout', Buffer.from(`${T1} no newline`));
    expect(parser.flush()).toEqual([
      { stream: 'stdout', timestamp: new Date(T1), line: 'no newline', mark: { timestamp: T1, count: 1 } },
    ]);
    expect(parser.flush()).toEqual([]);
  });

  test('keeps multi-byte characters split across payloads intact', () => {
    const parser = new LogLineParser();
    const euro = Buffer.from('€');
    parser.message('stdout', Buffer.concat([Buffer.from(`${T1} `), euro.subarray(0, 1)]));
    expect(
      parser.message('stdout', Buffer.concat([Buffer.from(`${T1} `), euro.subarray(1), Buffer.from('\n')]))[0]!.line,
    ).toBe('€');
  });

  test('after resume(), reading the log again from earlier repeats nothing and loses nothing', () => {
    const T3 = '2026-01-02T03:04:07.000000000Z';
    const first = new LogLineParser();
    const texts = (lines: LogLine[]) => lines.map((l) => `${l.stream}:${l.line}`);
    // A first read the engine cut short in the middle of a long line (whose parts share a timestamp).
    expect(texts(first.message('stdout', Buffer.from(`${T1} one\n`)))).toEqual(['stdout:one']);
    expect(texts(first.message('stderr', Buffer.from(`${T2} err\n`)))).toEqual(['stderr:err']);
    expect(first.message('stdout', Buffer.from(`${T2} long-`))).toEqual([]);
    expect(first.latest()).toEqual(new Date(T2));
    first.resume();
    // The second read starts earlier and overlaps the first.
    const again = [
      first.message('stdout', Buffer.from(`${T1} one\n`)),
      first.message('stderr', Buffer.from(`${T2} err\n`)),
      first.message('stdout', Buffer.from(`${T2} long-`)),
      first.message('stdout', Buffer.from(`${T2} line\n`)),
      first.message('stderr', Buffer.from(`${T3} late\n`)),
      first.message('stdout', Buffer.from(`${T3} two\n`)),
    ].flat();
    expect(texts(again)).toEqual(['stdout:long-line', 'stderr:late', 'stdout:two']);
    expect(again[0]!.timestamp).toEqual(new Date(T2));
  });

  test('reads a TTY stream, whose chunks fall anywhere and whose lines end in CR LF', () => {
    const parser = new LogLineParser();
    expect(parser.chunk(Buffer.from(`${T1} fir`))).toEqual([]);
    expect(parser.chunk(Buffer.from(`st\r\n${T2} second\r`))).toEqual([
      { stream: 'stdout', timestamp: new Date(T1), line: 'first', mark: { timestamp: T1, count: 1 } },
    ]);
    expect(parser.chunk(Buffer.from('\n'))).toEqual([
      { stream: 'stdout', timestamp: new Date(T2), line: 'second', mark: { timestamp: T2, count: 1 } },
    ]);
  });

  test('a parser given a position an earlier reader got to drops exactly what that reader took', () => {
    const texts = (lines: LogLine[]) => lines.map((l) => `${l.stream}:${l.line}`);
    // Three lines share a timestamp (a coarse clock); the earlier reader took two, and nothing of stderr.
    const log: ['stdout' | 'stderr', string][] = [
      ['stdout', `${T1} a\n`],
      ['stdout', `${T1} b\n`],
      ['stdout', `${T1} c\n`],
      ['stderr', `${T1} e\n`],
      ['stdout', `${T2} d\n`],
    ];
    const first = new LogLineParser();
    const taken = log.slice(0, 2).flatMap(([stream, payload]) => first.message(stream, Buffer.from(payload)));
    expect(texts(taken)).toEqual(['stdout:a', 'stdout:b']);
    const position = { stdout: taken[1]!.mark };

    const resumed = new LogLineParser(position);
    const rest = log.flatMap(([stream, payload]) => resumed.message(stream, Buffer.from(payload)));
    expect(texts(rest)).toEqual(['stdout:c', 'stderr:e', 'stdout:d']);
    expect(resumed.latest()).toEqual(new Date(T2));
  });
});

describe('demuxFrames', () => {
  test("gives the engine client's payloads, in order, whatever the chunking", async () => {
    const data = Buffer.concat(
      Array.from({ length: 3_000 }, (_, i) =>
        frame(i % 3 === 0 ? 'stderr' : 'stdout', `${T1} ${'x'.repeat(i % 50)}${i}\n`),
      ),
    );
    const payloads = (demuxer: Demuxer) => {
      const seen: string[] = [];
      const source = new PassThrough();
      const sink = (name: string) => ({ write: (p: Buffer) => seen.push(`${name}:${p.toString()}`) > 0 });
      demuxer(source, sink('out'), sink('err'));
      const ended = new Promise((resolve) => source.on('end', resolve));
      writeChunked(source, data);
      source.resume();
      return ended.then(() => seen);
    };
    const ours = await payloads(demuxFrames);
    expect(ours).toHaveLength(3_000);
    expect(ours).toEqual(await payloads(clientDemux));
  });
});

describe('readLogBatches', () => {
  test('hands on what one read brought as one batch, not line by line', async () => {
    const source = new PassThrough();
    const reading = (async () => {
      const batches: LogLine[][] = [];
      for await (const batch of readLogBatches(source, { demux })) batches.push(batch);
      return batches;
    })();
    source.end(Buffer.concat(Array.from({ length: 1_000 }, (_, i) => frame('stdout', `${T1} ${i}\n`))));
    const batches = await reading;
    expect(batches.flat().map((l) => Number(l.line))).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(batches.length).toBeLessThan(10);
  });
});

describe('readLogLines', () => {
  test('reads every line of a large multiplexed stream in order, whatever the chunking', async () => {
    const frames: Buffer[] = [];
    for (let i = 1; i <= 50_000; i++) frames.push(frame(i % 10 === 0 ? 'stderr' : 'stdout', `${T1} line ${i}\n`));
    const source = new PassThrough();
    const reading = collect(readLogLines(source, { demux }));
    writeChunked(source, Buffer.concat(frames));
    const lines = await reading;
    expect(lines).toHaveLength(50_000);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(
      Array.from({ length: 5_000 }, (_, i) => `line ${(i + 1) * 10}`),
    );
    expect(lines.map((l) => Number(l.line.slice(5)))).toEqual(Array.from({ length: 50_000 }, (_, i) => i + 1));
  });

  test('pauses the source for a slow reader and loses nothing', async () => {
    const source = new PassThrough();
    let paused = 0;
    source.on('pause', () => paused++);
    writeChunked(source, Buffer.concat(Array.from({ length: 10_000 }, (_, i) => frame('stdout', `${T1} ${i}\n`))));
    const seen: number[] = [];
    for await (const line of readLogLines(source, { demux })) {
      seen.push(Number(line.line));
      if (seen.length % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(paused).toBeGreaterThan(0);
  });

  test('reads a TTY stream without demultiplexing', async () => {
    const source = new PassThrough();
    const reading = collect(readLogLines(source, {}));
    source.end(`${T1} a\r\n${T2} b\r\n`);
    expect((await reading).map((l) => l.line)).toEqual(['a', 'b']);
  });

  test('closes the source when the reader stops early', async () => {
    const source = new PassThrough();
    source.write(frame('stdout', `${T1} one\n${T1} two\n`));
    for await (const line of readLogLines(source, { demux })) {
      expect(line.line).toBe('one');
      break;
    }
    expect(source.destroyed).toBe(true);
  });

  test('throws what broke the stream', async () => {
    const source = new PassThrough();
    const reading = collect(readLogLines(source, { demux }));
    source.destroy(new Error('socket hang up'));
    await expect(reading).rejects.toThrow('socket hang up');
  });

  test('a stream closed before its end is an error, not a short log', async () => {
    const source = new PassThrough();
    const reading = collect(readLogLines(source, { demux }));
    source.destroy();
    await expect(reading).rejects.toThrow('closed before its end');
  });

  test('stops on abort', async () => {
    const source = new PassThrough();
    const controller = new AbortController();
    const reading = collect(readLogLines(source, { demux, signal: controller.signal }));
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.destroyed).toBe(true);
  });
});

describe('AttachLineSplitter', () => {
  test('cuts lines out of frames cut anywhere, counts non-empty lines per stream and marks each read', () => {
    const splitter = new AttachLineSplitter();
    // A buffered writer's frames hold several lines; a line can span frames; stderr between.
    const data = Buffer.concat([frame('stdout', 'a\nb\n\npart'), frame('stderr', 'e1\n'), frame('stdout', 'ial\nc')]);
    const lines: LogLine[] = [];
    const at = data.indexOf('ial');
    splitter.data(data.subarray(0, at - 3), lines); // the second stdout frame's header is cut
    const firstRead = lines.length;
    splitter.data(data.subarray(at - 3), lines);
    lines.push(...splitter.flush());
    expect(lines.map((l) => `${l.stream}:${l.line}`)).toEqual([
      'stdout:a',
      'stdout:b',
      'stdout:',
      'stderr:e1',
      'stdout:partial',
      'stdout:c',
    ]);
    // Each read's last line of each stream is marked with the non-empty lines so far.
    expect(lines.map((l) => l.mark && 'lines' in l.mark && l.mark.lines)).toEqual([undefined, undefined, 2, 1, 3, 4]);
    // …and checked against the last non-empty one (the empty line's mark stands after 'b').
    expect(lines.map((l) => l.mark && 'lines' in l.mark && l.mark.check)).toEqual([
      undefined,
      undefined,
      lineCheck('b'),
      lineCheck('e1'),
      lineCheck('partial'),
      lineCheck('c'),
    ]);
    expect(firstRead).toBe(4);
    // All lines of one read share that read's time.
    expect(new Set(lines.slice(0, firstRead).map((l) => l.timestamp)).size).toBe(1);
  });

  test('decodes each line of a frame as it would alone: multi-byte, cut and invalid UTF-8', () => {
    // Lines of a frame are decoded together and cut as a string; the bytes a newline ends must decode the
    // same as that line alone (a broken sequence before the newline is one replacement character each way).
    const lineBytes = [
      Buffer.from('caf\u00e9 \u20ac \u{1f600}'),
      Buffer.from([0x61, 0xff, 0x62]),
      Buffer.from([0xe2, 0x82]), // cut before its end by the newline
      Buffer.from([0xf0, 0x9f, 0x98]),
      Buffer.from([0xed, 0xa0, 0x80, 0x41]), // a surrogate's encoding
      Buffer.from('plain'),
      Buffer.from([0xc3]),
    ];
    const euro = Buffer.from('\u20ac');
    const body = Buffer.concat([...lineBytes.flatMap((b) => [b, Buffer.from('\n')]), euro.subarray(0, 1)]);
    const rest = Buffer.concat([euro.subarray(1), Buffer.from('\n')]);
    const splitter = new AttachLineSplitter();
    const lines: LogLine[] = [];
    splitter.data(Buffer.concat([frameBytes('stdout', body), frameBytes('stdout', rest)]), lines);
    expect(lines.map((l) => l.line)).toEqual([...lineBytes.map((b) => b.toString('utf8')), '\u20ac']);
  });
});

describe('LogLineParser after a position in line counts', () => {
  const parse = (parser: LogLineParser, messages: [string, string][]) =>
    messages.flatMap(([time, text]) => parser.message('stdout', Buffer.from(`${time} ${text}`)));

  test('reads from the start, drops the counted lines (empty ones not counted), marks the rest', () => {
    const floor = Date.parse(T2) + 5; // the attach side stamped later than the engine
    const parser = new LogLineParser({ stdout: { lines: 2, at: floor } });
    expect(parser.counting).toBe(true);
    expect(parser.latest()).toBeUndefined();
    const lines = parse(parser, [
      [T1, 'one\n'],
      [T1, '\n'],
      [T1, 'two\n'],
      [T2, 'three\n'],
      [T2, '\n'],
      [T2, 'four\n'],
    ]);
    expect(lines.map((l) => l.line)).toEqual(['three', '', 'four']);
    expect(lines.map((l) => l.mark)).toEqual([
      { lines: 3, at: floor, check: lineCheck('three') },
      { lines: 3, at: floor, check: lineCheck('three') },
      { lines: 4, at: floor, check: lineCheck('four') },
    ]);
    // No time before the position's: the stream's times never go back.
    expect(lines.every((l) => l.timestamp.getTime() === floor)).toBe(true);
    // Read again (a follow cut short): from the start, skipping all that was taken.
    parser.resume();
    expect(
      parse(parser, [
        [T1, 'one\n'],
        [T1, 'two\n'],
        [T2, 'three\n'],
        [T2, 'four\n'],
        [T2, 'five\n'],
      ]).map((l) => l.line),
    ).toEqual(['five']);
  });
});

describe('indexOfByte', () => {
  const data = Buffer.from('ab cd\nef gh');
  const space = 0x20;
  const newline = 0x0a;

  it('finds the byte within [from, to), as an index into the whole buffer', () => {
    expect(indexOfByte(data, space, 0, data.length)).toBe(2);
    expect(indexOfByte(data, space, 3, data.length)).toBe(8);
    expect(indexOfByte(data, newline, 1, 6)).toBe(5);
  });

  it('answers -1 when the byte is there only after `to` or before `from`', () => {
    expect(indexOfByte(data, newline, 0, 5)).toBe(-1);
    expect(indexOfByte(data, space, 3, 8)).toBe(-1);
    expect(indexOfByte(data, space, 4, 4)).toBe(-1);
  });
});

describe('LogLineParser after a line count the log no longer matches', () => {
  const T0 = '2026-01-02T03:04:04.000000000Z';
  const T3 = '2026-01-02T03:04:07.000000000Z';
  const parse = (parser: LogLineParser, messages: [string, string][]) =>
    messages.flatMap(([time, text]) => parser.message('stdout', Buffer.from(`${time} ${text}`)));
  /** Delivered: 'one', 'two' (at T1) and 'three' (at T2); the attach side stamped 'three' at T2. */
  const position = { stdout: { lines: 3, at: Date.parse(T2), check: lineCheck('three') } };

  test('a log that still holds every line resumes by count, without a warning', () => {
    const warnings: string[] = [];
    const parser = new LogLineParser(position, (_stream, reason) => warnings.push(reason));
    const lines = parse(parser, [
      [T0, 'one\n'],
      [T1, 'two\n'],
      [T2, 'three\n'],
      [T2, 'four\n'],
    ]);
    expect(lines.map((l) => l.line)).toEqual(['four']);
    expect(lines[0]!.mark).toEqual({ lines: 4, at: Date.parse(T2), check: lineCheck('four') });
    expect(warnings).toEqual([]);
  });

  test('delivered lines the engine stamped after the position (its log copier lagging) are still dropped by count', () => {
    const warnings: string[] = [];
    const parser = new LogLineParser(
      { stdout: { lines: 3, at: Date.parse(T1), check: lineCheck('three') } },
      (_stream, reason) => warnings.push(reason),
    );
    const lines = parse(parser, [
      [T1, 'one\n'],
      [T2, 'two\n'],
      [T2, 'three\n'],
      [T3, 'four\n'],
    ]);
    expect(lines.map((l) => l.line)).toEqual(['four']);
    expect(warnings).toEqual([]);
  });

  test('a rotated log (its first lines gone) resumes by time: the lines after the position are not skipped', () => {
    const warnings: string[] = [];
    const parser = new LogLineParser(position, (stream, reason) => warnings.push(`${stream}: ${reason}`));
    // Rotation dropped 'one' and 'two'; 'four' and 'five' were never delivered. By count, 'five' would
    // be the third line and both silently skipped.
    const lines = parse(parser, [
      [T2, 'three\n'],
      [T3, 'four\n'],
      [T3, 'five\n'],
      [T3, 'six\n'],
    ]);
    expect(lines.map((l) => l.line)).toEqual(['four', 'five', 'six']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^stdout: line 3 is not the one delivered; resuming after /);
  });

  test('a log shorter than the count resumes by time once it ends', () => {
    const warnings: string[] = [];
    const parser = new LogLineParser(position, (_stream, reason) => warnings.push(reason));
    // Only 'three' (delivered) and 'four' (not) are left.
    const lines = parse(parser, [
      [T2, 'three\n'],
      [T3, 'four\n'],
    ]);
    lines.push(...parser.flush());
    expect(lines.map((l) => l.line)).toEqual(['four']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/holds 2 lines, fewer than the 3 delivered/);
  });

  test('a dropped line (same length, another line at the count) resumes by time', () => {
    const warnings: string[] = [];
    const parser = new LogLineParser(position, (_stream, reason) => warnings.push(reason));
    // 'two' was dropped by the driver: the third line is now 'four', stamped after the position.
    const lines = parse(parser, [
      [T0, 'one\n'],
      [T2, 'three\n'],
      [T3, 'four\n'],
      [T3, 'five\n'],
    ]);
    expect(lines.map((l) => l.line)).toEqual(['four', 'five']);
    expect(warnings).toHaveLength(1);
  });

  test('a position without a check (recorded before it was kept) resumes by count as before', () => {
    const warnings: string[] = [];
    const parser = new LogLineParser({ stdout: { lines: 3, at: Date.parse(T2) } }, (_s, reason) =>
      warnings.push(reason),
    );
    expect(
      parse(parser, [
        [T2, 'three\n'],
        [T3, 'four\n'],
        [T3, 'five\n'],
        [T3, 'six\n'],
      ]).map((l) => l.line),
    ).toEqual(['six']);
    expect(warnings).toEqual([]);
  });
});
