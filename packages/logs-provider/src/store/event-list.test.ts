import { EventList } from './event-list';
import { packChunk, type EventChunkRecord } from './records';

const NOW = Date.UTC(2030, 0, 15);
const chunk = (firstSeq: number, messages: string[], timestamp = NOW): EventChunkRecord =>
  packChunk(
    [],
    messages.map((message) => ({ timestamp, message })),
    firstSeq,
    NOW,
    messages.join('').length,
    timestamp,
  );
/** The texts the list keeps alive (not let go). */
const heldTexts = (list: EventList) => (list as unknown as { texts: string[] }).texts.filter((t) => t !== '');

describe('EventList', () => {
  it('reads back each event of the chunks pushed, a message sliced from its chunk text', () => {
    const list = new EventList();
    list.pushChunk(chunk(1, ['a', 'bb']));
    list.pushChunk(chunk(3, ['ccc']), 0);
    expect(list.slice()).toEqual([
      [NOW, 1, NOW, 'a'],
      [NOW, 2, NOW, 'bb'],
      [NOW, 3, NOW, 'ccc'],
    ]);
    expect(list.indexOf(NOW, 2)).toBe(1);
    expect(list.indexOf(NOW + 1, -Infinity)).toBe(3);
  });

  it('lets go of a rewritten tail chunk’s text, and of expired chunks’ texts', () => {
    const list = new EventList();
    list.pushChunk(chunk(1, ['first']));
    list.pushChunk(chunk(2, ['tail']));
    // The tail chunk rewritten with one more event: its old text is no longer held.
    list.truncate(1);
    list.pushChunk(chunk(2, ['tail', 'more']));
    expect(heldTexts(list)).toEqual(['first', 'tailmore']);
    list.dropFirst(1);
    expect(heldTexts(list)).toEqual(['tailmore']);
    expect(list.slice().map((e) => e[3])).toEqual(['tail', 'more']);
  });

  it('forgets expired chunks’ texts after many expired events', () => {
    const list = new EventList();
    for (let n = 0; n < 30; n++) {
      list.pushChunk(
        chunk(
          n * 100 + 1,
          Array.from({ length: 100 }, (_, i) => `c${n}e${i}`),
          NOW + n,
        ),
      );
    }
    list.dropFirst(2050);
    expect(list.length).toBe(950);
    expect(heldTexts(list)).toHaveLength(10);
    expect(list.at(0)).toEqual([NOW + 20, 2051, NOW, 'c20e50']);
    expect(list.at(949)).toEqual([NOW + 29, 3000, NOW, 'c29e99']);
  });

  it('forgets let-go texts at the front once they are many, and reads and pushes on with the texts renumbered', () => {
    const list = new EventList();
    const base = () => (list as unknown as { textBase: number }).textBase;
    // One text per chunk: 1,100 chunks, so dropping most of them lets go of more texts than are kept.
    for (let n = 0; n < 1100; n++) list.pushChunk(chunk(n * 2 + 1, [`c${n}a`, `c${n}b`], NOW + n));
    list.dropFirst(1000);
    expect(base()).toBe(0); // 500 let go: not yet many
    list.dropFirst(1100);
    // 1,050 chunks let go, 50 held: the let-go ones are forgotten, the held ones keep their events' texts.
    expect(base()).toBe(1050);
    expect(heldTexts(list)).toHaveLength(50);
    expect(list.length).toBe(100);
    expect(list.at(0)).toEqual([NOW + 1050, 2101, NOW, 'c1050a']);
    expect(list.at(99)).toEqual([NOW + 1099, 2200, NOW, 'c1099b']);
    // Pushed after the forgetting, and the tail rewritten: numbered on from the base.
    list.pushChunk(chunk(2201, ['next'], NOW + 2000));
    list.truncate(100);
    list.pushChunk(chunk(2201, ['next', 'after'], NOW + 2000));
    expect(list.slice(99).map((e) => e[3])).toEqual(['c1099b', 'next', 'after']);
    expect(heldTexts(list)).toHaveLength(51);
    // Expiring everything lets every text go.
    list.dropFirst(list.length);
    expect(list.length).toBe(0);
    expect(heldTexts(list)).toHaveLength(0);
  });

  it('sorts events pushed out of order into place from a given index', () => {
    const list = new EventList();
    list.pushChunk(chunk(1, ['a', 'c'], NOW));
    list.pushChunk(chunk(3, ['late'], NOW + 10));
    list.pushChunk(chunk(4, ['b'], NOW + 5));
    expect(list.sortedFrom(0)).toBe(false);
    list.sortFrom(2);
    expect(list.slice().map((e) => e[3])).toEqual(['a', 'c', 'b', 'late']);
    expect(list.sortedFrom(0)).toBe(true);
  });

  it('grows by blocks that are never copied, and lets expired blocks go whole', () => {
    const list = new EventList();
    const blocks = () => (list as unknown as { blocks: { times: Float64Array }[] }).blocks;
    const push = (n: number) =>
      list.pushChunk(
        chunk(
          n * 1000 + 1,
          Array.from({ length: 1000 }, (_, i) => `c${n}e${i}`),
          NOW + n,
        ),
      );
    for (let n = 0; n < 3; n++) push(n);
    const full = blocks()[0]!.times;
    for (let n = 3; n < 10; n++) push(n);
    // The first block, once full, is the same memory however far the list grew.
    expect(blocks()[0]!.times).toBe(full);
    expect(list.length).toBe(10_000);
    expect(list.slice(2047, 2049)).toEqual([
      [NOW + 2, 2048, NOW, 'c2e47'],
      [NOW + 2, 2049, NOW, 'c2e48'],
    ]);
    expect(list.indexOf(NOW + 7, -Infinity)).toBe(7000);

    // Expired: the two blocks wholly before the first held event are let go, the rest read as before.
    const before = blocks().length;
    list.dropFirst(5000);
    expect(blocks()).toHaveLength(before - 2);
    expect(list.length).toBe(5000);
    expect(list.at(0)).toEqual([NOW + 5, 5001, NOW, 'c5e0']);
    expect(list.at(4999)).toEqual([NOW + 9, 10_000, NOW, 'c9e999']);
    expect(list.indexOf(NOW + 7, 7001)).toBe(2000);

    // A rewritten tail across a block boundary, then pushed again.
    list.truncate(3000);
    push(8);
    expect(list.length).toBe(4000);
    expect(list.at(3999)).toEqual([NOW + 8, 9000, NOW, 'c8e999']);

    // Out of order across blocks: sorted into place.
    list.pushChunk(chunk(20_001, ['early'], NOW + 6));
    expect(list.sortedFrom(0)).toBe(false);
    list.sortFrom(1000);
    expect(list.sortedFrom(0)).toBe(true);
    expect(list.at(2000)).toEqual([NOW + 6, 20_001, NOW, 'early']);
    expect(list.at(4000)).toEqual([NOW + 8, 9000, NOW, 'c8e999']);
  });
});
