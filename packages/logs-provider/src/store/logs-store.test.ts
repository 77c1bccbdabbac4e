import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { StateStoreWriteError } from '@localcloud/persistence';
import { openStateStore, type StateStore } from './state-store';
import { LogsStore, openLogsStore, type LogGroup, type LogStream } from './logs-store';
import { MESSAGE, SEQ, chunkEvents, packChunk, type EventChunkRecord } from './records';
import { compareEvents } from './event-order';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2030, 0, 15);

describe('LogsStore', () => {
  let state: StateStore;
  let store: LogsStore;
  let group: LogGroup;
  let stream: LogStream;

  beforeEach(() => {
    state = openStateStore({});
    store = new LogsStore(state);
    group = store.createGroup('/g', NOW);
    stream = store.createStream(group, 's', NOW);
  });

  const messages = () =>
    store
      .events(group, stream, NOW)
      .slice()
      .map((e) => e[MESSAGE]);
  const chunks = () => [...state.table<EventChunkRecord>('chunks').entries()];

  it('keeps events in timestamp order, arrival order among equal timestamps', () => {
    store.append(group, stream, [{ timestamp: NOW, message: 'c' }], NOW);
    store.append(
      group,
      stream,
      [
        { timestamp: NOW - 2, message: 'a' },
        { timestamp: NOW, message: 'd' },
      ],
      NOW,
    );
    store.append(group, stream, [{ timestamp: NOW - 1, message: 'b' }], NOW);
    store.append(group, stream, [{ timestamp: NOW, message: 'e' }], NOW);
    expect(messages()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('puts small in-order batches into one chunk and big ones into their own', () => {
    for (let i = 0; i < 100; i++) store.append(group, stream, [{ timestamp: NOW + i, message: `small ${i}` }], NOW);
    expect(chunks()).toHaveLength(1);
    const big = Array.from({ length: 1000 }, (_, i) => ({
      timestamp: NOW + 200,
      message: `big ${i} ${'x'.repeat(100)}`,
    }));
    store.append(group, stream, big, NOW);
    store.append(group, stream, [{ timestamp: NOW + 300, message: 'after' }], NOW);
    expect(chunks()).toHaveLength(3);
    expect(messages()).toHaveLength(1101);
    expect(stream.record.storedBytes).toBe([...messages()].reduce((sum, m) => sum + Buffer.byteLength(m), 0));
  });

  it('reads back what another LogsStore over the same state wrote, in the same order', () => {
    store.append(group, stream, [{ timestamp: NOW, message: 'late' }], NOW);
    store.append(group, stream, [{ timestamp: NOW - 5, message: 'early' }], NOW);
    const reopened = new LogsStore(state);
    const g = reopened.group('/g')!;
    expect(
      reopened
        .events(g, g.streams.get('s')!, NOW)
        .slice()
        .map((e) => e[MESSAGE]),
    ).toEqual(['early', 'late']);
  });

  it('writes a chunk packed (one string of messages) and reads it back as events', () => {
    store.append(group, stream, [{ timestamp: NOW, message: 'say "hi"\n' }], NOW);
    store.append(group, stream, [{ timestamp: NOW + 1, message: 'ünïcode ✓' }], NOW + 7);
    const [[, chunk]] = chunks() as [[string, EventChunkRecord]];
    expect(chunk).toEqual({
      count: 2,
      firstSeq: 1,
      firstTimestamp: NOW,
      timestamps: [0, 1],
      ingestion: [1, NOW, 1, NOW + 7],
      text: 'say "hi"\nünïcode ✓',
      lengths: [9, 9],
      bytes: 9 + 13,
      maxTimestamp: NOW + 1,
    });
    const reopened = new LogsStore(state);
    const g = reopened.group('/g')!;
    expect(reopened.events(g, g.streams.get('s')!, NOW).slice()).toEqual([
      [NOW, 1, NOW, 'say "hi"\n'],
      [NOW + 1, 2, NOW + 7, 'ünïcode ✓'],
    ]);
  });

  it('keeps in memory exactly the events each stored chunk unpacks to, as a tail chunk grows and after reopening', () => {
    // Small batches extend the tail chunk (its events are re-read from the rewritten chunk), then a big
    // batch, then one out of order, merged into place.
    for (let i = 0; i < 30; i++) {
      store.append(group, stream, [{ timestamp: NOW + i, message: `line ${i} ${'m'.repeat(i)}` }], NOW + i);
    }
    const big = Array.from({ length: 500 }, (_, i) => ({
      timestamp: NOW + 100,
      message: `big ${i} ✓ ${'z'.repeat(40)}`,
    }));
    store.append(
      group,
      stream,
      big,
      NOW + 200,
      big.reduce((n, e) => n + Buffer.byteLength(e.message), 0),
    );
    store.append(group, stream, [{ timestamp: NOW + 50, message: 'late arrival' }], NOW + 300);
    const inMemory = store
      .events(group, stream, NOW)
      .slice()
      .map((e) => [...e]);
    expect(inMemory).toHaveLength(531);
    expect(inMemory[0]).toEqual([NOW, 1, NOW, 'line 0 ']);
    expect(inMemory[30]).toEqual([NOW + 50, 531, NOW + 300, 'late arrival']);
    expect(inMemory[31]).toEqual([NOW + 100, 31, NOW + 200, `big 0 ✓ ${'z'.repeat(40)}`]);

    const unpacked = chunks()
      .flatMap(([, chunk]) => [...chunkEvents(chunk)])
      .sort(compareEvents)
      .map((e) => [...e]);
    expect(unpacked).toEqual(inMemory);
    const reopened = new LogsStore(state);
    const g = reopened.group('/g')!;
    expect(
      reopened
        .events(g, g.streams.get('s')!, NOW)
        .slice()
        .map((e) => [...e]),
    ).toEqual(inMemory);
  });

  it("packs a tail's events and a new batch into one chunk, ingestion times as runs", () => {
    const chunk = packChunk(
      [
        [NOW, 4, NOW, 'ab'],
        [NOW + 2, 5, NOW + 1, 'c'],
      ],
      [
        { timestamp: NOW + 2, message: 'de' },
        { timestamp: NOW + 5, message: '' },
      ],
      6,
      NOW + 1,
      5,
      NOW + 5,
    );
    expect(chunk).toEqual({
      count: 4,
      firstSeq: 4,
      firstTimestamp: NOW,
      timestamps: [0, 2, 0, 3],
      ingestion: [1, NOW, 3, NOW + 1],
      text: 'abcde',
      lengths: [2, 1, 2, 0],
      bytes: 5,
      maxTimestamp: NOW + 5,
    });
    expect(chunkEvents(chunk)).toEqual([
      [NOW, 4, NOW, 'ab'],
      [NOW + 2, 5, NOW + 1, 'c'],
      [NOW + 2, 6, NOW + 1, 'de'],
      [NOW + 5, 7, NOW + 1, ''],
    ]);
    expect(() => packChunk([[NOW, 4, NOW, 'ab']], [{ timestamp: NOW, message: 'x' }], 9, NOW, 3, NOW)).toThrow(
      'consecutive',
    );
  });

  it("holds a persistent stream's messages once in memory, not also as the strings the batches brought", () => {
    // A heap measurement, not a timing, in a process of its own: in jest's shared worker other suites'
    // garbage (and flushed bytecode) freed during the measurement made the difference negative.
    const probe = path.join(__dirname, '..', '..', 'test', 'held-once.probe.ts');
    const hook = path.join(__dirname, '..', '..', '..', '..', 'scripts', 'source-hook.js');
    const out = execFileSync(process.execPath, ['--expose-gc', '-r', hook, probe], { encoding: 'utf8' });
    const { perLine, events, lines, size } = JSON.parse(out) as Record<string, number>;
    expect(events).toBe(lines);
    expect(perLine).toBeGreaterThan(size);
    expect(perLine).toBeLessThan(1.6 * size);
  });

  it('reads chunks written before packing, and extends such a tail chunk', () => {
    const key = '/g:s:0';
    state.transaction(() => {
      state.table<EventChunkRecord>('chunks').put(key, { events: [[NOW, 1, NOW, 'old']], bytes: 3, maxTimestamp: NOW });
      state.table('streams').put('/g:s', { ...stream.record, nextSeq: 2, nextChunk: 1, storedBytes: 3 });
    });
    const reopened = new LogsStore(state);
    const g = reopened.group('/g')!;
    const s = g.streams.get('s')!;
    reopened.append(g, s, [{ timestamp: NOW + 1, message: 'new' }], NOW);
    expect(
      reopened
        .events(g, s, NOW)
        .slice()
        .map((e) => e[MESSAGE]),
    ).toEqual(['old', 'new']);
    expect(chunks()).toEqual([[key, expect.objectContaining({ count: 2 })]]);
    const again = new LogsStore(state);
    const g2 = again.group('/g')!;
    expect(
      again
        .events(g2, g2.streams.get('s')!, NOW)
        .slice()
        .map((e) => e[MESSAGE]),
    ).toEqual(['old', 'new']);
  });

  it('hides expired events and drops chunks that hold nothing else', () => {
    store.append(group, stream, [{ timestamp: NOW - 10 * DAY, message: 'old' }], NOW);
    store.append(
      group,
      stream,
      Array.from({ length: 600 }, (_, i) => ({ timestamp: NOW - 2 * DAY, message: `mid ${i} ${'y'.repeat(30)}` })),
      NOW,
    );
    store.append(group, stream, [{ timestamp: NOW, message: 'new' }], NOW);
    expect(chunks()).toHaveLength(3);
    store.updateGroup(group, { retentionInDays: 1 });
    expect(messages()).toEqual(['new']);
    expect(chunks().map(([key]) => key)).toEqual(['/g:s:2']);
    expect(stream.record.storedBytes).toBe('new'.length);
    expect(stream.record.firstChunk).toBe(2);
  });

  it('keeps reading and appending right after many events expire (their room is given back)', () => {
    // 3,000 expire and 1,000 stay: the in-memory list moves the rest to its front.
    const batch = (from: number, count: number, timestamp: number) =>
      Array.from({ length: count }, (_, i) => ({ timestamp, message: `e${from + i}` }));
    for (let i = 0; i < 3; i++) store.append(group, stream, batch(i * 1000, 1000, NOW - 3 * DAY + i), NOW);
    store.append(group, stream, batch(3000, 1000, NOW - 1000), NOW);
    store.updateGroup(group, { retentionInDays: 1 });
    expect(messages()).toEqual(batch(3000, 1000, 0).map((e) => e.message));
    store.append(
      group,
      stream,
      [
        { timestamp: NOW - 2000, message: 'late' },
        { timestamp: NOW, message: 'last' },
      ],
      NOW,
    );
    const events = store.events(group, stream, NOW).slice();
    expect(events.map((e) => e[MESSAGE])).toEqual(['late', ...batch(3000, 1000, 0).map((e) => e.message), 'last']);
    expect(events.map((e) => e[SEQ]).slice(0, 3)).toEqual([4001, 3001, 3002]);
  });

  it('deletes a stream and a group with their chunks', () => {
    store.append(group, stream, [{ timestamp: NOW, message: 'x' }], NOW);
    const other = store.createStream(group, 't', NOW);
    store.append(group, other, [{ timestamp: NOW, message: 'y' }], NOW);
    store.deleteStream(group, stream);
    expect(chunks().map(([key]) => key)).toEqual(['/g:t:0']);
    store.deleteGroup(group);
    expect(chunks()).toEqual([]);
    expect(state.table('streams').size).toBe(0);
    expect(store.group('/g')).toBeUndefined();
  });

  it('gives each stream of a group its own id', () => {
    const other = store.createStream(group, 't', NOW);
    expect([stream.record.id, other.record.id]).toEqual([1, 2]);
  });
});

/*
 * A failed group-commit sync rolls the records back; the groups, streams and loaded events kept beside them
 * must say the same afterwards. The failure is injected as persistence's own tests inject it.
 */
describe('LogsStore after a failed journal sync', () => {
  let dir: string;
  let store: LogsStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-logs-store-'));
    store = openLogsStore(dir);
    const group = store.createGroup('/g', NOW);
    store.append(group, store.createStream(group, 's', NOW), [{ timestamp: NOW, message: 'a' }], NOW);
    store.createGroup('/other', NOW);
    await store.durable();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const listed = () =>
    store.sortedGroups().map((g) => ({
      name: g.name,
      nextStreamId: g.record.nextStreamId,
      streams: [...g.streams.values()].map((s) => ({
        name: s.name,
        nextSeq: s.record.nextSeq,
        events: store
          .events(g, s, NOW)
          .slice()
          .map((e) => e[MESSAGE]),
      })),
    }));

  it('lists exactly what the rolled-back records hold: groups, streams, their records and events', async () => {
    const before = listed();
    const sync = jest.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, done: (e: Error) => void) => {
      setImmediate(() => done(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
    }) as unknown as typeof fs.fdatasync);
    const group = store.group('/g')!;
    store.append(group, group.streams.get('s')!, [{ timestamp: NOW, message: 'b' }], NOW);
    store.createStream(group, 't', NOW);
    store.createGroup('/ghost', NOW);
    store.deleteGroup(store.group('/other')!);
    expect(listed()).not.toEqual(before);

    await expect(store.durable()).rejects.toThrow(StateStoreWriteError);
    expect(sync).toHaveBeenCalledTimes(1);
    expect(listed()).toEqual(before);
  });
});
