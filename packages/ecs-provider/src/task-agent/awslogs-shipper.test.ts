import type { LogLine } from '@localcloud/docker-backend';
import type { LogsSink, SinkEvent } from '@localcloud/logs-provider';
import type { Logger } from 'winston';
import { AwsLogsShipper, MAX_EVENT_BYTES, splitEvent } from './awslogs-shipper';

describe('splitEvent', () => {
  test('cuts a long line into pieces of at most 256 KiB less the event overhead, losing nothing', () => {
    const line = 'a'.repeat(MAX_EVENT_BYTES * 2 + 10);
    const pieces = splitEvent(line);
    expect(pieces.map((p) => p.length)).toEqual([MAX_EVENT_BYTES, MAX_EVENT_BYTES, 10]);
    expect(pieces.join('')).toBe(line);
  });

  test('never cuts inside a character', () => {
    // 3-byte and 4-byte (surrogate pair) characters that do not divide the limit evenly.
    for (const char of ['€', '😀']) {
      const line = char.repeat(Math.ceil((MAX_EVENT_BYTES * 1.5) / Buffer.byteLength(char)));
      const pieces = splitEvent(line);
      expect(pieces.join('')).toBe(line);
      for (const piece of pieces) {
        expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
        expect(Buffer.from(piece).toString()).toBe(piece);
      }
      expect(pieces).toHaveLength(2);
    }
  });

  test('leaves a line within the limit whole', () => {
    expect(splitEvent('x'.repeat(MAX_EVENT_BYTES))).toEqual(['x'.repeat(MAX_EVENT_BYTES)]);
  });
});

describe('AwsLogsShipper', () => {
  const logger = { warn: () => undefined } as unknown as Logger;
  const at = new Date('2026-01-02T03:04:05.123Z');
  const line = (text: string, n: number): LogLine => ({
    stream: 'stdout',
    timestamp: at,
    line: text,
    mark: { timestamp: `t${n}`, count: 1 },
  });

  test('delivers a batch as one store call, long lines split with their timestamp, and records the position once', () => {
    const calls: SinkEvent[][] = [];
    const sink = { putEvents: (_s: unknown, _g: string, _st: string, events: SinkEvent[]) => calls.push(events) };
    const positions: unknown[] = [];
    const shipper = new AwsLogsShipper(
      sink as unknown as LogsSink,
      { scope: { accountId: '1', region: 'r' }, group: 'g', stream: 's' },
      logger,
      { onDelivered: (p) => positions.push(p) },
    );
    shipper.add([line('one', 1), line('y'.repeat(MAX_EVENT_BYTES + 5), 2)]);
    shipper.add([line('three', 3)]);
    shipper.end();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((e) => [e.timestamp, e.message.length])).toEqual([
      [at.getTime(), 3],
      [at.getTime(), MAX_EVENT_BYTES],
      [at.getTime(), 5],
      [at.getTime(), 5],
    ]);
    expect(positions).toEqual([{ stdout: { timestamp: 't3', count: 1 } }]);
  });
});
