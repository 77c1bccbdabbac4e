import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import * as path from 'node:path';
import { CorruptStateError, StateStoreWriteError } from './errors';
import { DataDirLock } from './data-dir-lock';
import type { GroupCommitMessage } from './group-commit';
import { JournalStateStore, type JournalStateStoreOptions } from './journal-state-store';
import { stateStoresHealthUnder } from './open-stores';
import { ioError, withFailingOpen, withFailingSync } from './testing/failing-sync';
import { TempDirs, currentJournal, stateFiles } from './testing/temp-dirs';

interface Task {
  readonly arn: string;
  readonly createdAt: Date;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly startedAt?: Date }>;
}

function task(n: number): Task {
  return {
    arn: `arn:aws:ecs:us-east-1:000000000000:task/default/${String(n).padStart(32, '0')}`,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
    containers: [{ name: 'app', startedAt: new Date(Date.UTC(2025, 0, 1, 0, 1, n)) }],
  };
}

describe('JournalStateStore', () => {
  const dirs = new TempDirs();
  const open: JournalStateStore[] = [];
  let dir: string;

  function openStore(options: Partial<JournalStateStoreOptions> = {}): JournalStateStore {
    const store = new JournalStateStore({ dir, ...options });
    open.push(store);
    return store;
  }

  function reopen(store: JournalStateStore, options: Partial<JournalStateStoreOptions> = {}): JournalStateStore {
    store.close();
    return openStore(options);
  }

  beforeEach(() => {
    dir = dirs.make();
  });
  afterEach(() => {
    open.splice(0).forEach((store) => store.close());
    jest.restoreAllMocks();
    dirs.removeAll();
  });

  describe('across a reopen', () => {
    it('keeps puts, overwrites, deletes and transactions, in order', () => {
      let store = openStore();
      const tasks = store.table<Task>('tasks');
      tasks.put('t1', task(1));
      tasks.put('t2', task(2));
      tasks.put('t3', task(3));
      tasks.put('t1', task(11));
      tasks.delete('t2');
      store.transaction(() => {
        tasks.put('t4', task(4));
        store.table<number>('counters').put('tasks', 3);
      });

      store = reopen(store);
      expect([...store.table<Task>('tasks').entries()]).toEqual([
        ['t1', task(11)],
        ['t3', task(3)],
        ['t4', task(4)],
      ]);
      expect(store.table<number>('counters').get('tasks')).toBe(3);
    });

    it('revives Dates as Dates', () => {
      let store = openStore();
      store.table<Task>('tasks').put('t1', task(1));
      store = reopen(store);
      const revived = store.table<Task>('tasks').get('t1')!;
      expect(revived.createdAt).toBeInstanceOf(Date);
      expect(revived.containers[0]!.startedAt).toBeInstanceOf(Date);
      expect(revived).toEqual(task(1));
    });

    it('writes nothing for a transaction that throws', () => {
      let store = openStore();
      const journal = currentJournal(dir);
      const before = fs.statSync(journal).size;
      expect(() =>
        store.transaction(() => {
          store.table('t').put('a', 1);
          throw new Error('no');
        }),
      ).toThrow('no');
      expect(fs.statSync(journal).size).toBe(before);
      store = reopen(store);
      expect(store.table('t').size).toBe(0);
    });

    it('writes a transaction as one journal line', () => {
      const store = openStore();
      store.transaction(() => {
        store.table('a').put('x', 1);
        store.table('b').put('y', { at: new Date(0) });
        store.table('a').delete('x');
      });
      expect(fs.readFileSync(currentJournal(dir), 'utf8')).toBe(
        '[["put","a","x",1],["put","b","y",{"at":{"$date":"1970-01-01T00:00:00.000Z"}}],["delete","a","x"]]\n',
      );
    });
  });

  describe('recovery', () => {
    function journalWithTwoRecords(): string {
      const store = openStore();
      store.table('t').put('a', 1);
      store.table('t').put('b', 2);
      store.close();
      return currentJournal(dir);
    }

    it.each([
      ['a line cut short', '[["put","t","c",{"x":'],
      ['a line cut short, its tail flushed without its head', '\0\0\0\0\0\0\0\0,3]]\n'],
      ['zeros where the file grew but the data never landed', '\0'.repeat(4096)],
    ])('drops a torn last line (%s) and truncates the journal to the last complete line', (_case, tail) => {
      const journal = journalWithTwoRecords();
      const complete = fs.statSync(journal).size;
      fs.appendFileSync(journal, tail);

      let store = openStore();
      expect(Object.fromEntries(store.table('t').entries())).toEqual({ a: 1, b: 2 });
      expect(fs.statSync(journal).size).toBe(complete);
      store.table('t').put('c', 3);
      store = reopen(store);
      expect(Object.fromEntries(store.table('t').entries())).toEqual({ a: 1, b: 2, c: 3 });
    });

    it('refuses a damaged line before the end, naming the file and line', () => {
      const journal = journalWithTwoRecords();
      const lines = fs.readFileSync(journal, 'utf8').split('\n');
      lines[0] = '[["put","t","a",{"broken"]]';
      fs.writeFileSync(journal, lines.join('\n'));
      const before = fs.readFileSync(journal);

      expect(() => openStore()).toThrow(CorruptStateError);
      expect(() => openStore()).toThrow(`${journal}:1: `);
      // Nothing was truncated or removed, and the lock was released.
      expect(fs.readFileSync(journal)).toEqual(before);
      DataDirLock.acquire(dir, { waitMs: 0 }).release();
    });

    it('refuses a snapshot without its trailer, naming the file', () => {
      let store = openStore({ compactAfterBytes: 1 });
      store.table('t').put('a', 1);
      store = reopen(store);
      store.close();
      const snapshot = path.join(
        dir,
        stateFiles(dir).find((name) => name.startsWith('snapshot-'))!,
      );
      const lines = fs.readFileSync(snapshot, 'utf8').split('\n');
      fs.writeFileSync(snapshot, `${lines.slice(0, -2).join('\n')}\n`);
      expect(() => openStore()).toThrow(new RegExp(`^${snapshot}: the snapshot ends without its trailer`));
    });

    it('refuses a journal without a snapshot', () => {
      fs.writeFileSync(path.join(dir, 'journal-00000001.jsonl'), '[["put","t","a",1]]\n');
      expect(() => openStore()).toThrow(/journal-00000001.jsonl: a journal without any snapshot/);
    });

    it('loads the newest generation and removes what an interrupted compaction left behind', () => {
      let store = openStore();
      store.table('t').put('a', 1);
      store.close();
      // As a kill leaves it between installing generation 2 and removing generation 1, with a
      // snapshot for generation 3 cut short before its rename.
      const snapshot2 = [
        '{"format":"localcloud-snapshot","version":1,"generation":2}',
        '["put","t","a",1]',
        '{"end":true,"records":1}',
      ];
      fs.writeFileSync(path.join(dir, 'snapshot-00000002.jsonl'), `${snapshot2.join('\n')}\n`);
      fs.writeFileSync(path.join(dir, 'journal-00000002.jsonl'), '[["put","t","b",2]]\n');
      fs.writeFileSync(path.join(dir, 'snapshot-00000003.jsonl.tmp'), '{"format":"localcloud-sn');

      store = openStore();
      expect(Object.fromEntries(store.table('t').entries())).toEqual({ a: 1, b: 2 });
      expect(stateFiles(dir)).toEqual(['journal-00000002.jsonl', 'snapshot-00000002.jsonl']);
    });
  });

  describe('compaction', () => {
    it('starts a new generation once the journal passes compactAfterBytes, and reopens from it', () => {
      let store = openStore({ compactAfterBytes: 2048 });
      const tasks = store.table<Task>('tasks');
      for (let n = 0; n < 100; n++) tasks.put(`t${n % 10}`, task(n));
      tasks.delete('t0');
      const files = stateFiles(dir);
      expect(files).toHaveLength(2);
      expect(files[0]).not.toBe('journal-00000001.jsonl');

      store = reopen(store, { compactAfterBytes: 2048 });
      expect(store.table<Task>('tasks').size).toBe(9);
      expect(store.table<Task>('tasks').get('t9')).toEqual(task(99));
      expect(store.table<Task>('tasks').get('t9')!.createdAt).toBeInstanceOf(Date);
    });

    it('compacts on open when the journal is already past the threshold', () => {
      let store = openStore();
      for (let n = 0; n < 50; n++) store.table<Task>('tasks').put(`t${n}`, task(n));
      expect(stateFiles(dir)).toEqual(['journal-00000001.jsonl', 'snapshot-00000001.jsonl']);
      store = reopen(store, { compactAfterBytes: 1024 });
      expect(stateFiles(dir)).toEqual(['journal-00000002.jsonl', 'snapshot-00000002.jsonl']);
      expect(fs.statSync(path.join(dir, 'journal-00000002.jsonl')).size).toBe(0);
      expect(store.table('tasks').size).toBe(50);
    });

    it('compacts at close when the journal is mostly superseded versions, so the next open reads the state once', () => {
      let store = openStore({ compactAtCloseBytes: 1024 });
      const tasks = store.table<Task>('tasks');
      // 200 versions of 5 tasks: the journal is ~40 times the live state.
      for (let n = 0; n < 200; n++) tasks.put(`t${n % 5}`, task(n));
      tasks.delete('t0');
      const journalBytes = fs.statSync(currentJournal(dir)).size;
      store.close();
      expect(stateFiles(dir)).toEqual(['journal-00000002.jsonl', 'snapshot-00000002.jsonl']);
      expect(fs.statSync(path.join(dir, 'journal-00000002.jsonl')).size).toBe(0);
      expect(fs.statSync(path.join(dir, 'snapshot-00000002.jsonl')).size).toBeLessThan(journalBytes / 10);

      store = openStore({ compactAtCloseBytes: 1024 });
      expect([...store.table<Task>('tasks').keys()]).toEqual(['t1', 't2', 't3', 't4']);
      expect(store.table<Task>('tasks').get('t4')).toEqual(task(199));
    });

    it('does not compact at close when the journal is mostly live records, or small', () => {
      let store = openStore({ compactAtCloseBytes: 1024 });
      for (let n = 0; n < 100; n++) store.table<Task>('tasks').put(`t${n}`, task(n));
      // Half of the journal superseded: the live state is still more than half of it.
      for (let n = 0; n < 40; n++) store.table<Task>('tasks').put(`t${n}`, task(n + 100));
      store.close();
      expect(stateFiles(dir)).toEqual(['journal-00000001.jsonl', 'snapshot-00000001.jsonl']);

      // Below compactAtCloseBytes (1 MiB by default) nothing is rewritten, however superseded.
      store = openStore();
      for (let n = 0; n < 200; n++) store.table<Task>('tasks').put('t0', task(n));
      store.close();
      expect(stateFiles(dir)).toEqual(['journal-00000001.jsonl', 'snapshot-00000001.jsonl']);
      store = openStore();
      expect(store.table<Task>('tasks').get('t0')).toEqual(task(199));
      expect(store.table<Task>('tasks').size).toBe(100);
    });

    it('waits for the journal to outgrow the last snapshot, however small compactAfterBytes is', () => {
      let store = openStore({ compactAfterBytes: 1 });
      store.transaction(() => {
        for (let n = 0; n < 1000; n++) store.table<Task>('tasks').put(`t${n}`, task(n));
      });
      store = reopen(store, { compactAfterBytes: 1 });
      const snapshot = path.join(dir, stateFiles(dir)[1]!);
      const snapshotBytes = fs.statSync(snapshot).size;

      // Puts worth half a snapshot of journal: no compaction, the snapshot is not rewritten.
      let journalBytes = 0;
      for (let n = 0; journalBytes < snapshotBytes / 2; n++) {
        store.table<Task>('tasks').put(`t${n}`, task(n + 1000));
        journalBytes = fs.statSync(currentJournal(dir)).size;
      }
      expect(path.join(dir, stateFiles(dir)[1]!)).toBe(snapshot);
    });
  });

  describe('when a compaction fails', () => {
    const failOpening = withFailingOpen;

    it('before installing the snapshot: keeps the durable change and the old generation, warns, retries later', () => {
      let store = openStore({ compactAfterBytes: 1000 });
      const tasks = () => store.table<Task>('tasks');
      const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const opening = failOpening(/snapshot-\d+\.jsonl\.tmp$/);
      let n = 0;
      while (warning.mock.calls.length === 0) tasks().put(`t${n}`, task(n++));
      expect(warning).toHaveBeenCalledWith(expect.stringContaining('ENOSPC'), { code: 'LOCALCLOUD_COMPACTION_FAILED' });
      expect(tasks().size).toBe(n);
      expect(stateFiles(dir)).toEqual(['journal-00000001.jsonl', 'snapshot-00000001.jsonl']);

      // Not on the next write: after another threshold's worth of journal.
      opening.mockRestore();
      tasks().put(`t${n}`, task(n++));
      expect(stateFiles(dir)).toEqual(['journal-00000001.jsonl', 'snapshot-00000001.jsonl']);
      while (stateFiles(dir)[0] === 'journal-00000001.jsonl' && n < 100) tasks().put(`t${n}`, task(n++));
      expect(stateFiles(dir)).toEqual(['journal-00000002.jsonl', 'snapshot-00000002.jsonl']);

      store = reopen(store);
      expect(tasks().size).toBe(n);
      expect(tasks().get('t0')).toEqual(task(0));
    });

    it('after installing the snapshot: keeps the durable change, then refuses writes until a restart', () => {
      let store = openStore({ compactAfterBytes: 100 });
      jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      failOpening(/journal-00000002\.jsonl$/);
      store.table<Task>('tasks').put('t1', task(1));
      expect(store.table('tasks').has('t1')).toBe(true);
      expect(() => store.table<Task>('tasks').put('t2', task(2))).toThrow(StateStoreWriteError);
      expect(store.health()).toMatchObject({ refusingWrites: true, writeFailures: 1 });

      jest.restoreAllMocks();
      store = reopen(store);
      expect([...store.table('tasks').entries()]).toEqual([['t1', task(1)]]);
    });
  });

  it('appends O(record) bytes per put, however large the table', () => {
    const store = openStore();
    const tasks = store.table<Task>('tasks');
    const journal = currentJournal(dir);
    const growthOfOnePut = (n: number) => {
      const before = fs.statSync(journal).size;
      tasks.put('probe', task(n));
      return fs.statSync(journal).size - before;
    };

    const small = growthOfOnePut(1);
    store.transaction(() => {
      for (let n = 0; n < 5000; n++) tasks.put(`t${n}`, task(n));
    });
    expect(tasks.size).toBe(5001);
    expect(growthOfOnePut(1)).toBe(small);
    expect(small).toBeLessThan(JSON.stringify(task(1)).length + 100);
  });

  describe('when the disk fails', () => {
    it('rejects a put whose write fails, cuts the partial line and stays usable', () => {
      let store = openStore();
      store.table('t').put('a', 1);
      const journal = currentJournal(dir);
      const size = fs.statSync(journal).size;
      jest.spyOn(fs, 'writeSync').mockImplementationOnce((fd: number) => {
        fs.writeSync(fd, '[["put","t","b"');
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      });

      expect(() => store.table('t').put('b', 2)).toThrow(StateStoreWriteError);
      expect(store.table('t').has('b')).toBe(false);
      expect(store.health()).toEqual({
        refusingWrites: false,
        writeFailures: 1,
        lastWriteFailure: expect.stringContaining('ENOSPC'),
      });
      expect(fs.statSync(journal).size).toBe(size);
      store.table('t').put('c', 3);
      store = reopen(store);
      expect(Object.fromEntries(store.table('t').entries())).toEqual({ a: 1, c: 3 });
    });

    it('never acknowledges the changes of a failed fdatasync nor keeps them; a new generation takes writes', async () => {
      let store = openStore();
      const t = store.table<number>('t');
      t.put('a', 1);
      await store.durable();
      const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const sync = withFailingSync(1);

      t.put('a', 2);
      store.transaction(() => {
        t.put('b', 3);
        t.delete('a');
      });
      expect(t.has('b')).toBe(true);
      await expect(store.durable()).rejects.toThrow(StateStoreWriteError);
      expect(sync).toHaveBeenCalledTimes(1);
      expect(Object.fromEntries(t.entries())).toEqual({ a: 1 });
      // The journal whose sync failed is not synced again: memory was written as generation 2 and replaced it.
      expect(stateFiles(dir)).toEqual(['journal-00000002.jsonl', 'snapshot-00000002.jsonl']);
      expect(warning).toHaveBeenCalledWith(expect.stringContaining('EIO'), { code: 'LOCALCLOUD_JOURNAL_SYNC_FAILED' });
      expect(store.health()).toEqual({ refusingWrites: false, writeFailures: 1, lastWriteFailure: ioError().message });

      t.put('c', 4);
      await store.durable();
      expect(sync).toHaveBeenCalledTimes(2);
      // The failed batch's lines did reach the old journal's file here; the new generation dropped them.
      store = reopen(store);
      expect(Object.fromEntries(store.table('t').entries())).toEqual({ a: 1, c: 4 });
    });

    it('rejects the waiters of every change not yet covered, those made during the failed sync too', async () => {
      const store = openStore();
      const t = store.table<number>('t');
      jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      withFailingSync(1);
      t.put('a', 1);
      const first = store.durable();
      await new Promise((resolve) => setImmediate(resolve)); // the sync has started
      t.put('b', 2);
      const second = store.durable();
      await expect(first).rejects.toThrow(StateStoreWriteError);
      await expect(second).rejects.toThrow(StateStoreWriteError);
      expect(t.size).toBe(0);
      t.put('c', 3);
      await store.durable();
      expect([...t.keys()]).toEqual(['c']);
    });

    it('refuses every write until a restart when the new generation cannot be written either', async () => {
      let store = openStore();
      const t = store.table<number>('t');
      t.put('a', 1);
      await store.durable();
      const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      withFailingSync(1);
      withFailingOpen(/snapshot-\d+\.jsonl\.tmp$/);

      t.put('a', 2);
      await expect(store.durable()).rejects.toThrow(StateStoreWriteError);
      expect(t.get('a')).toBe(1);
      expect(warning).toHaveBeenCalledWith(expect.stringContaining('writes are refused until a restart'), {
        code: 'LOCALCLOUD_JOURNAL_SYNC_FAILED',
      });
      expect(() => t.put('b', 3)).toThrow(StateStoreWriteError);
      expect(() => store.transaction(() => t.delete('a'))).toThrow(StateStoreWriteError);
      expect(t.get('a')).toBe(1);
      await store.durable(); // nothing pending: a reader is answered
      expect(store.health()).toMatchObject({ refusingWrites: true, writeFailures: 2 });
      expect(stateStoresHealthUnder(path.dirname(dir))).toMatchObject({
        stores: 1,
        refusingWrites: 1,
        writeFailures: 2,
      });
      expect(stateFiles(dir)).toEqual(['journal-00000001.jsonl', 'snapshot-00000001.jsonl']);

      jest.restoreAllMocks();
      store = reopen(store);
      // Never acknowledged, its line reached the file here (the failure was simulated): a restart replays it
      // like a write in flight at a crash.
      expect(t.get('a')).toBe(1);
      expect(store.table('t').get('a')).toBe(2);
      expect(store.health()).toEqual({ refusingWrites: false, writeFailures: 0 });
      expect(stateStoresHealthUnder(dir)).toEqual({ stores: 1, refusingWrites: 0, writeFailures: 0 });
      store.close();
      expect(stateStoresHealthUnder(dir).stores).toBe(0);
    });

    it('undoes the pending changes when the sync at close fails, and closes on a new generation', () => {
      let store = openStore();
      store.table('t').put('a', 1);
      store.close();
      store = openStore();
      store.table('t').put('b', 2);
      jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      jest.spyOn(fs, 'fdatasyncSync').mockImplementationOnce(() => {
        throw ioError();
      });
      const waiter = store.durable();
      store.close();
      expect(store.health().writeFailures).toBe(1);
      store = openStore();
      expect(Object.fromEntries(store.table('t').entries())).toEqual({ a: 1 });
      return expect(waiter).rejects.toThrow(StateStoreWriteError);
    });

    it('tells onRollback once, after the undo and before any waiter, so indexes over the records can be rebuilt', async () => {
      const seen: string[] = [];
      const store = openStore({
        onRollback: (error) => seen.push(`rollback ${error.message}: ${JSON.stringify([...t.entries()])}`),
      });
      const t = store.table<number>('t');
      t.put('a', 1);
      await store.durable();
      jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      withFailingSync(1);

      t.delete('a');
      t.put('b', 2);
      const waiter = store.durable().catch(() => seen.push('waiter rejected'));
      await waiter;
      expect(seen).toEqual([`rollback ${ioError().message}: [["a",1]]`, 'waiter rejected']);
    });
  });

  it('writes records never read since start-up to the next snapshot unchanged, Dates included', () => {
    let store = openStore();
    const tasks = store.table<Task>('tasks');
    for (let n = 0; n < 50; n++) tasks.put(`t${n}`, task(n));
    // Reopened twice: from the journal, then (compacted on open) from a snapshot; nothing read in between.
    store = reopen(store, { compactAfterBytes: 1 });
    store = reopen(store, { compactAfterBytes: 1 });
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('snapshot-'))).not.toEqual(['snapshot-00000001.jsonl']);
    const reopened = reopen(store).table<Task>('tasks');
    expect([...reopened.keys()]).toEqual(Array.from({ length: 50 }, (_, n) => `t${n}`));
    expect(reopened.get('t7')).toEqual(task(7));
    expect(reopened.get('t7')!.createdAt).toBeInstanceOf(Date);
    expect(Object.isFrozen(reopened.get('t7')!.containers[0])).toBe(true);
    expect([...reopened.values()]).toEqual(Array.from({ length: 50 }, (_, n) => task(n)));
  });

  describe('members kept beside records in a snapshot (snapshotMembers)', () => {
    const snapshotMembers = { tasks: ['status', 'createdAt'] };
    const record = (n: number, status: string) => ({ ...task(n), status, big: 'x'.repeat(100) });

    it('answers members() at open from the members the snapshot wrote, and get() from the record', () => {
      let store = openStore({ snapshotMembers });
      store.table('tasks').put('a', record(1, 'RUNNING'));
      store.table('tasks').put('b', record(2, 'STOPPED'));
      store.table('other').put('c', record(3, 'RUNNING'));
      store = reopen(store, { snapshotMembers, compactAfterBytes: 1 });
      // The records are now the bytes that compaction wrote, members included.
      expect(store.table<ReturnType<typeof record>>('tasks').members('a', ['status', 'createdAt'])).toEqual({
        status: 'RUNNING',
        createdAt: task(1).createdAt,
      });
      expect(store.table<ReturnType<typeof record>>('tasks').members('b', ['big'])).toEqual({ big: 'x'.repeat(100) });
      // Compacted at open: the snapshot carries the members of `tasks` records only.
      const snapshot = fs.readFileSync(path.join(dir, stateFiles(dir)[1]!), 'utf8').split('\n');
      expect(JSON.parse(snapshot[0]!)).toMatchObject({ version: 2, members: snapshotMembers });
      expect(snapshot.filter((line) => line.startsWith('["put","tasks"'))).toHaveLength(2);
      expect(snapshot.find((line) => line.startsWith('["put","tasks","a"'))).toContain(
        '"a",{"status":"RUNNING","createdAt":{"$date":"2025-01-01T00:00:01.000Z"}},{',
      );

      store = reopen(store, { snapshotMembers });
      const tasks = store.table<ReturnType<typeof record>>('tasks');
      expect(tasks.members('a', ['status', 'createdAt'])).toEqual({ status: 'RUNNING', createdAt: task(1).createdAt });
      expect(tasks.members('b', ['status'])).toEqual({ status: 'STOPPED' });
      // A member the snapshot did not keep is read from the record itself.
      expect(tasks.members('b', ['status', 'big'])).toEqual({ status: 'STOPPED', big: 'x'.repeat(100) });
      expect(tasks.get('a')).toEqual(record(1, 'RUNNING'));
      expect(store.table('other').get('c')).toEqual(record(3, 'RUNNING'));
    });

    it('reads the members the snapshot wrote, not the record (a snapshot edited to tell them apart)', () => {
      let store = openStore({ snapshotMembers });
      store.table('tasks').put('a', record(1, 'RUNNING'));
      store = reopen(store, { snapshotMembers, compactAfterBytes: 1 });
      store.close();
      const file = path.join(dir, stateFiles(dir)[1]!);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('{"status":"RUNNING"', '{"status":"EDITED"'));
      store = openStore({ snapshotMembers });
      expect(store.table<{ status: string }>('tasks').members('a', ['status'])).toEqual({ status: 'EDITED' });
      expect(store.table<{ status: string }>('tasks').get('a')!.status).toBe('RUNNING');
    });

    it('still reads a version 1 snapshot (no members), and writes members at the next compaction', () => {
      const v1 = [
        '{"format":"localcloud-snapshot","version":1,"generation":3}',
        `["put","tasks","a",${JSON.stringify({ status: 'RUNNING', at: { $date: '2025-01-01T00:00:00.000Z' } })}]`,
        '["put","tasks","b \\"q\\" ü",{"status":"STOPPED"}]',
        '{"end":true,"records":2}',
        '',
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'snapshot-00000003.jsonl'), v1);
      let store = openStore({ snapshotMembers });
      const tasks = () => store.table<{ status: string; at?: Date }>('tasks');
      expect(tasks().members('a', ['status'])).toEqual({ status: 'RUNNING' });
      expect(tasks().get('a')).toEqual({ status: 'RUNNING', at: new Date('2025-01-01T00:00:00.000Z') });
      expect(tasks().get('b "q" ü')).toEqual({ status: 'STOPPED' });
      store = reopen(store, { snapshotMembers, compactAfterBytes: 1 });
      store = reopen(store, { snapshotMembers });
      expect(tasks().members('b "q" ü', ['status'])).toEqual({ status: 'STOPPED' });
      expect([...tasks().entries()]).toEqual([
        ['a', { status: 'RUNNING', at: new Date('2025-01-01T00:00:00.000Z') }],
        ['b "q" ü', { status: 'STOPPED' }],
      ]);
    });
  });

  describe('records read back lazily', () => {
    it('reads escaped, non-ASCII and multi-change records from the journal and from a snapshot alike', () => {
      let store = openStore();
      const odd = 'k "quoted" \\ ünï€ode';
      const records = {
        plain: task(1),
        [odd]: { text: 'line\nbreak "and" ü €', at: new Date(5) },
        array: [1, 'two', { three: new Date(3) }],
        scalar: 'only a string',
      };
      store.transaction(() => {
        store.table('t').put('plain', records.plain);
        store.table('t').put(odd, records[odd]);
      });
      store.table('t').put('array', records.array);
      store.table('t').put('scalar', records.scalar);
      store.table('u "x"').put('deleted', 1);
      store.table('u "x"').delete('deleted');
      // Non-ASCII keys without escapes, and tables of similar names one after another in a snapshot.
      store.table('u "x"').put('ünï€', 2);
      store.table('t2').put('plain', 3);
      store.table('').put('', 4);
      for (const options of [{}, { compactAfterBytes: 1 }, {}]) {
        // From the journal, then (compacted on open) from a snapshot, then from that snapshot again.
        store = reopen(store, options);
        expect(Object.fromEntries(store.table('t').entries())).toEqual(records);
        expect([...store.table('u "x"').entries()]).toEqual([['ünï€', 2]]);
        expect([...store.table('t2').entries()]).toEqual([['plain', 3]]);
        expect([...store.table('').entries()]).toEqual([['', 4]]);
      }
    });

    it('writes a record whose members alone were read to the next snapshot as it was', () => {
      let store = openStore();
      const value = { at: new Date(5), nested: { at: new Date(6) } };
      // A transaction's line is parsed whole; a lone put's value is kept as bytes.
      store.transaction(() => {
        store.table('t').put('tx', value);
        store.table('t').put('other', 1);
      });
      store.table('t').put('lone', value);
      // Reopened so that the next put compacts, in the same store that read the members.
      store = reopen(store, { compactAfterBytes: fs.statSync(currentJournal(dir)).size + 1 });
      expect(store.table<typeof value>('t').members('tx', ['at', 'nested'])).toEqual(value);
      expect(store.table<typeof value>('t').members('lone', ['at', 'nested'])).toEqual(value);
      const generation = currentJournal(dir);
      store.table('t').put('next', 2);
      expect(currentJournal(dir)).not.toBe(generation);
      store = reopen(store);
      expect(store.table('t').get('tx')).toEqual(value);
      expect(store.table('t').get('lone')).toEqual(value);
    });

    it('keeps records as the bytes its compaction wrote, equal to what they were', () => {
      let store = openStore({ compactAfterBytes: 2000 });
      const tasks = store.table<Task>('tasks');
      for (let n = 0; n < 40; n++) tasks.put(`t${n}`, task(n));
      // Compacted (several times) in this store while writing: what it reads back is the same records.
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('snapshot-'))).not.toEqual(['snapshot-00000001.jsonl']);
      expect([...tasks.values()]).toEqual(Array.from({ length: 40 }, (_, n) => task(n)));
      expect(tasks.get('t3')!.createdAt).toBeInstanceOf(Date);
      expect(Object.isFrozen(tasks.get('t3')!.containers)).toBe(true);
      // A transaction undone after a compaction puts back the bytes it replaced.
      const before = tasks.get('t5');
      expect(() =>
        store.transaction(() => {
          tasks.put('t5', task(99));
          throw new Error('undone');
        }),
      ).toThrow('undone');
      expect(tasks.get('t5')).toEqual(before);
      store = reopen(store);
      expect([...store.table<Task>('tasks').values()]).toEqual(Array.from({ length: 40 }, (_, n) => task(n)));
    });

    it('reads only the named members of a record, from its text or from the decoded record', () => {
      let store = openStore();
      const value = {
        skip: { nested: [{ desiredStatus: 'NO' }, '}]"'] },
        desiredStatus: 'RUNNING',
        at: new Date(7),
        n: 2,
      };
      store.table('t').put('a', value);
      store.table('t').put('b', 'not an object');
      const expected = { desiredStatus: 'RUNNING', at: new Date(7) };
      expect(store.table<typeof value>('t').members('a', ['desiredStatus', 'at'])).toEqual(expected);
      store = reopen(store);
      const t = store.table<typeof value>('t');
      expect(t.members('a', ['desiredStatus', 'at'])).toEqual(expected);
      expect(t.members('a', ['desiredStatus', 'at'])!.at).toBeInstanceOf(Date);
      expect(t.members('b', ['desiredStatus'])).toEqual({});
      expect(t.members('missing', ['desiredStatus'])).toBeUndefined();
      expect(t.get('a')).toEqual(value);
      expect(t.members('a', ['n'])).toEqual({ n: 2 });
    });
  });

  describe('group commit', () => {
    it('answers durable() only after the fdatasync covering the change has completed', async () => {
      const store = openStore();
      const held: Array<() => void> = [];
      jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: (e: Error | null) => void) => {
        held.push(() => done((fs.fdatasyncSync(fd), null)));
      }) as unknown as typeof fs.fdatasync);
      store.table('t').put('a', 1);
      let acknowledged = false;
      const durable = store.durable().then(() => (acknowledged = true));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(held).toHaveLength(1);
      expect(acknowledged).toBe(false);
      held.shift()!();
      await durable;
      expect(acknowledged).toBe(true);
    });

    it('covers concurrent writes with one fdatasync, and those made during a sync with the next', async () => {
      const store = openStore();
      const sync = jest.spyOn(fs, 'fdatasync');
      const t = store.table<Task>('tasks');
      const request = async (n: number) => {
        t.put(`t${n}`, task(n));
        await store.durable();
      };
      await Promise.all(Array.from({ length: 50 }, (_, n) => request(n)));
      expect(sync).toHaveBeenCalledTimes(1);

      // 20 waves of requests, each arriving while the previous wave's sync runs: far fewer syncs than writes.
      const waves: Array<Promise<void>> = [];
      for (let wave = 0; wave < 20; wave++) {
        for (let n = 0; n < 10; n++) waves.push(request(100 + wave * 10 + n));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(waves);
      expect(sync.mock.calls.length).toBeLessThanOrEqual(21);
      expect(sync.mock.calls.length).toBeLessThan(1 + 200);
      expect(reopen(store).table('tasks').size).toBe(250);
    });

    it('acknowledges no change before a completed fdatasync that started after its line was written', async () => {
      const store = openStore();
      const journal = currentJournal(dir);
      // Every sync: the journal's size when it started (what it covers) and whether it has completed. The
      // thread pool's callbacks are delayed by random turns so that syncs, writes and waits interleave.
      const syncs: Array<{ covers: number; done: boolean }> = [];
      const real = fs.fdatasync;
      jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: (error: Error | null) => void) => {
        const sync = { covers: fs.fstatSync(fd).size, done: false };
        syncs.push(sync);
        real(fd, (error) => {
          const finish = () => ((sync.done = error === null), done(error));
          if (Math.random() < 0.5) setImmediate(finish);
          else finish();
        });
      }) as typeof fs.fdatasync);
      const t = store.table<Task>('tasks');
      const violations: string[] = [];
      const request = async (n: number) => {
        t.put(`t${n}`, task(n));
        const end = fs.statSync(journal).size; // the end of this change's line
        await store.durable();
        if (!syncs.some((sync) => sync.done && sync.covers >= end))
          violations.push(`t${n} acknowledged with its line (to ${end}) not covered by a completed sync`);
      };
      const requests: Array<Promise<void>> = [];
      for (let wave = 0; wave < 30; wave++) {
        for (let n = 0; n < 1 + (wave % 5); n++) requests.push(request(wave * 10 + n));
        await new Promise((resolve) => (wave % 3 === 0 ? setImmediate(resolve) : process.nextTick(resolve)));
      }
      await Promise.all(requests);
      expect(violations).toEqual([]);
      expect(syncs.length).toBeGreaterThan(1);
    });

    it('publishes each group commit on its diagnostics channel while subscribed, and times nothing otherwise', async () => {
      const store = openStore();
      const t = store.table<number>('t');
      const messages: GroupCommitMessage[] = [];
      const record = (message: unknown) => messages.push(message as GroupCommitMessage);
      t.put('a', 1);
      await store.durable();
      expect(messages).toEqual([]);

      diagnostics.subscribe('localcloud:persistence:group-commit', record);
      try {
        const before = performance.now();
        t.put('b', 2);
        t.put('c', 3);
        const waits = [store.durable(), store.durable()];
        await Promise.all(waits);
        expect(messages).toHaveLength(1);
        const [{ appended, started, completed, changes, waits: waited }] = messages as [GroupCommitMessage];
        expect(changes).toBe(2);
        expect(before).toBeLessThanOrEqual(appended);
        expect(appended).toBeLessThanOrEqual(started);
        expect(started).toBeLessThanOrEqual(completed);
        expect(waited).toHaveLength(2);
        for (const wait of waited) expect(wait).toBeGreaterThanOrEqual(0);
      } finally {
        diagnostics.unsubscribe('localcloud:persistence:group-commit', record);
      }
      t.put('d', 4);
      await store.durable();
      expect(messages).toHaveLength(1);
    });

    it('makes pending changes durable when closed', () => {
      const store = openStore();
      store.table('t').put('a', 1);
      expect(reopen(store).table('t').get('a')).toBe(1);
    });
  });
});
