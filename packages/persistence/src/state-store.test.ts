import { InMemoryStateStore } from './in-memory-state-store';
import { JournalStateStore } from './journal-state-store';
import { openStateStore } from './open-state-store';
import { StateStoreUnavailableError } from './errors';
import type { StateStore } from './state-store';
import { TempDirs } from './testing/temp-dirs';

/** What both stores promise, persistence on or off. */
describe.each<[string, (dir: string) => StateStore]>([
  ['InMemoryStateStore', () => new InMemoryStateStore()],
  ['JournalStateStore', (dir) => new JournalStateStore({ dir })],
])('%s', (_name, open) => {
  const dirs = new TempDirs();
  let store: StateStore;
  beforeEach(() => {
    store = open(dirs.make());
  });
  afterEach(() => {
    store.close();
    dirs.removeAll();
  });

  it('puts, gets, overwrites and deletes records, in insertion order', () => {
    const table = store.table<{ n: number }>('t');
    table.put('a', { n: 1 });
    table.put('b', { n: 2 });
    table.put('a', { n: 3 });
    table.put('c', { n: 4 });
    table.delete('b');
    table.delete('missing');
    expect(table.get('a')).toEqual({ n: 3 });
    expect(table.has('b')).toBe(false);
    expect(table.get('b')).toBeUndefined();
    expect(table.size).toBe(2);
    expect([...table.entries()]).toEqual([
      ['a', { n: 3 }],
      ['c', { n: 4 }],
    ]);
    expect([...table.values()]).toEqual([{ n: 3 }, { n: 4 }]);
  });

  it('returns the same table for the same name, separate tables for others', () => {
    store.table('one').put('k', 1);
    expect(store.table('one')).toBe(store.table('one'));
    expect(store.table('one').get('k')).toBe(1);
    expect(store.table('two').has('k')).toBe(false);
  });

  it('stores a frozen copy: later changes to the object put are not stored, the record read cannot change', () => {
    const table = store.table<{ tags: string[]; at: Date }>('t');
    const record = { tags: ['a'], at: new Date('2025-01-01T00:00:00Z') };
    table.put('k', record);
    record.tags.push('b');
    const stored = table.get('k')!;
    expect(stored).toEqual({ tags: ['a'], at: new Date('2025-01-01T00:00:00Z') });
    expect(stored.at).toBeInstanceOf(Date);
    expect(() => stored.tags.push('c')).toThrow(TypeError);
    table.put('k', { ...stored, tags: [...stored.tags, 'c'] });
    expect(table.get('k')!.tags).toEqual(['a', 'c']);
  });

  it('refuses a record without a JSON form and keeps the old one', () => {
    const table = store.table<unknown>('t');
    table.put('k', 1);
    expect(() => table.put('k', { n: 1n })).toThrow(TypeError);
    expect(table.get('k')).toBe(1);
  });

  it('applies a transaction as a whole, its reads seeing its writes', () => {
    const a = store.table<number>('a');
    const b = store.table<number>('b');
    a.put('gone', 0);
    store.transaction(() => {
      a.put('x', 1);
      b.put('y', a.get('x')! + 1);
      a.delete('gone');
      store.transaction(() => b.put('z', 3));
    });
    expect([...a.entries()]).toEqual([['x', 1]]);
    expect([...b.entries()]).toEqual([
      ['y', 2],
      ['z', 3],
    ]);
  });

  it('undoes every write of a transaction that throws', () => {
    const table = store.table<number>('t');
    table.put('kept', 1);
    table.put('deleted', 2);
    expect(() =>
      store.transaction(() => {
        table.put('kept', 10);
        table.put('new', 3);
        table.delete('deleted');
        throw new Error('handler failed');
      }),
    ).toThrow('handler failed');
    expect(Object.fromEntries(table.entries())).toEqual({ kept: 1, deleted: 2 });
  });

  it('refuses writes once closed', () => {
    store.close();
    expect(() => store.table('t').put('k', 1)).toThrow(StateStoreUnavailableError);
    expect(store.table('t').has('k')).toBe(false);
  });
});

describe('openStateStore', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.removeAll());

  it('keeps state in memory without a dir, in a journal with one', () => {
    expect(openStateStore({})).toBeInstanceOf(InMemoryStateStore);
    const store = openStateStore({ dir: dirs.make(), fsync: false, compactAfterBytes: 1024 });
    expect(store).toBeInstanceOf(JournalStateStore);
    store.close();
  });
});
