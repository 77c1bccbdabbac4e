import { InMemoryStateStore } from '@localcloud/persistence';
import winston from 'winston';
import type { ListTaskDefinitionsRequest } from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import {
  deleteTaskDefinitions,
  deregisterTaskDefinition,
  listTaskDefinitions,
  registerTaskDefinition,
} from '../handlers/task-definitions';
import { EcsStore } from './ecs-store';
import { lowerBound, TaskDefinitionListings } from './task-definition-listings';
import { nextTokenAfter } from '../pagination';

/*
 * ListTaskDefinitions by family (`familyPrefix`) reads a family's listing kept beside the store; these
 * check every page it gives against the records themselves, read one by one as the listing did before
 * it was kept, through registrations, deregistrations, deletions, a transaction that threw and tokens
 * from other pages, families and sort orders.
 */

const scope = { accountId: '000000000000', region: 'us-east-1' };
const logger = winston.createLogger({ silent: true });
const ecsOf = (store: EcsStore) => ({ scope, store, strict: false, logger }) as unknown as EcsScope;
const arn = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:000000000000:task-definition/${family}:${revision}`;
const containerDefinitions = [{ name: 'app', image: 'app:1', memory: 32 }];

/** What a family's listing must give: its records 1 to its last revision of `status`, strictly after the token's. */
function expected(
  store: EcsStore,
  family: string,
  status: string,
  descending: boolean,
  after?: { family: string; revision: number },
): string[] {
  const record = store.families.get(family);
  if (!record) return [];
  if (after && after.family !== family && (descending ? after.family < family : after.family > family)) return [];
  const resume = after?.family === family ? after.revision : undefined;
  const out: string[] = [];
  for (let revision = 1; revision <= record.lastRevision; revision++) {
    const definition = store.taskDefinitions.get(`${family}:${revision}`)?.taskDefinition;
    if (!definition || definition.status !== status) continue;
    if (resume !== undefined && (descending ? revision >= resume : revision <= resume)) continue;
    out.push(definition.taskDefinitionArn);
  }
  return descending ? out.reverse() : out;
}

function allPages(store: EcsStore, input: ListTaskDefinitionsRequest): string[][] {
  const pages: string[][] = [];
  let nextToken: string | undefined = input.nextToken;
  do {
    const page = listTaskDefinitions({ ...input, nextToken }, ecsOf(store));
    pages.push(page.taskDefinitionArns ?? []);
    nextToken = page.nextToken;
  } while (nextToken !== undefined && pages.length < 1000);
  return pages;
}

function checkFamily(store: EcsStore, family: string) {
  for (const status of ['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'] as const)
    for (const sort of ['ASC', 'DESC'] as const)
      for (const maxResults of [1, 2, 3, 7, 100]) {
        const pages = allPages(store, { familyPrefix: family, status, sort, maxResults });
        const want = expected(store, family, status, sort === 'DESC');
        expect(pages.flat()).toEqual(want);
        // Every page full but the last, and a token only when more follow.
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(maxResults);
        expect(pages[pages.length - 1]!.length).toBeLessThanOrEqual(maxResults);
        if (want.length > 0) expect(pages[pages.length - 1]!.length).toBeGreaterThan(0);
      }
}

describe('ListTaskDefinitions of one family, from its kept listing', () => {
  it('gives what the records give, through every kind of change, listed before and after each', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    const ecs = ecsOf(store);
    // A deterministic pseudo-random sequence of changes over three families.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 8) % n;
    };
    const families = ['fam-a', 'fam-b', 'fam-c'];
    for (let step = 0; step < 120; step++) {
      const family = families[random(3)]!;
      const last = store.families.get(family)?.lastRevision ?? 0;
      const action = random(10);
      if (action < 5 || last === 0) registerTaskDefinition({ family, containerDefinitions }, ecs);
      else if (action < 8) {
        const revision = 1 + random(last);
        if (store.taskDefinitions.get(`${family}:${revision}`)?.taskDefinition.status === 'ACTIVE')
          deregisterTaskDefinition({ taskDefinition: `${family}:${revision}` }, ecs);
      } else if (action < 9) {
        const revision = 1 + random(last);
        if (store.taskDefinitions.get(`${family}:${revision}`)?.taskDefinition.status === 'INACTIVE')
          deleteTaskDefinitions({ taskDefinitions: [`${family}:${revision}`] }, ecs);
      } else {
        // A revision gone from the store altogether (as a deletion's end would leave it).
        store.taskDefinitions.delete(`${family}:${1 + random(last)}`);
      }
      if (step % 10 === 0) for (const name of families) checkFamily(store, name);
    }
    for (const name of families) checkFamily(store, name);
  });

  it('resumes after a token of its own pages, of another family and of another sort order', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    const ecs = ecsOf(store);
    for (let i = 0; i < 5; i++)
      for (const family of ['b', 'd']) registerTaskDefinition({ family, containerDefinitions }, ecs);
    deregisterTaskDefinition({ taskDefinition: 'b:3' }, ecs);
    // Tokens from the generic (all families) listing: its pages end at 'b' and at 'd' revisions.
    const tokens: string[] = [];
    for (const sort of ['ASC', 'DESC'] as const)
      for (let token: string | undefined, i = 0; i < 20; i++) {
        const page = listTaskDefinitions({ maxResults: 2, sort, nextToken: token }, ecs);
        if (!page.nextToken) break;
        tokens.push((token = page.nextToken));
      }
    expect(tokens.length).toBeGreaterThan(4);
    for (const nextToken of tokens) {
      const after = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')).k as string;
      const [family, revision] = after.slice(after.lastIndexOf('/') + 1).split(':');
      for (const name of ['a', 'b', 'c', 'd', 'e'])
        for (const sort of ['ASC', 'DESC'] as const) {
          const got = allPages(store, { familyPrefix: name, sort, maxResults: 2, nextToken }).flat();
          expect(got).toEqual(
            expected(store, name, 'ACTIVE', sort === 'DESC', { family: family!, revision: Number(revision) }),
          );
        }
    }
    // The listing kept for 'b' is the same arrays the records give.
    expect(allPages(store, { familyPrefix: 'b' }).flat()).toEqual([arn('b', 1), arn('b', 2), arn('b', 4), arn('b', 5)]);
  });

  it('is read again from the records after a transaction that threw', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    const ecs = ecsOf(store);
    for (let i = 0; i < 3; i++) registerTaskDefinition({ family: 'web', containerDefinitions }, ecs);
    expect(allPages(store, { familyPrefix: 'web' }).flat()).toEqual([arn('web', 1), arn('web', 2), arn('web', 3)]);
    const record = store.taskDefinitions.get('web:2')!;
    expect(() =>
      store.transaction(() => {
        store.taskDefinitions.put('web:2', {
          ...record,
          taskDefinition: { ...record.taskDefinition, status: 'INACTIVE' },
        });
        store.taskDefinitions.delete('web:3');
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(allPages(store, { familyPrefix: 'web' }).flat()).toEqual([arn('web', 1), arn('web', 2), arn('web', 3)]);
    checkFamily(store, 'web');
  });

  it("builds a large family's listing a step per listing, through changes made meanwhile, pages the same", () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    const ecs = ecsOf(store);
    for (let i = 0; i < 120; i++) registerTaskDefinition({ family: 'big', containerDefinitions }, ecs);
    for (const revision of [3, 50, 119]) deregisterTaskDefinition({ taskDefinition: `big:${revision}` }, ecs);
    // A step of 16 revisions (the store's own reads 500), so that 120 take eight listings once the rent is paid.
    const listings = new TaskDefinitionListings(1024, 16);
    (store as unknown as { taskDefinitionListings: TaskDefinitionListings }).taskDefinitionListings = listings;
    const readsPerOf: number[] = [];
    const of = listings.of.bind(listings);
    jest.spyOn(listings, 'of').mockImplementation((family, read) => {
      let reads = 0;
      const listing = of(family, (key) => (reads++, read(key)));
      readsPerOf.push(reads);
      return listing;
    });
    const firstPage = () => {
      expect(listTaskDefinitions({ familyPrefix: 'big', maxResults: 100 }, ecs).taskDefinitionArns).toEqual(
        expected(store, 'big', 'ACTIVE', false).slice(0, 100),
      );
    };
    // Two pages of 100 (+ their first revisions) pay the rent of 120; then each listing reads a step of the build.
    firstPage();
    firstPage();
    expect(readsPerOf).toEqual([0, 0]);
    firstPage();
    firstPage();
    // Changes while the listing is being built, below and above the revisions it has read.
    deregisterTaskDefinition({ taskDefinition: 'big:5' }, ecs);
    deleteTaskDefinitions({ taskDefinitions: ['big:3', 'big:90'] }, ecs);
    registerTaskDefinition({ family: 'big', containerDefinitions }, ecs);
    deregisterTaskDefinition({ taskDefinition: 'big:100' }, ecs);
    for (let i = 0; i < 6; i++) firstPage();
    expect(readsPerOf.slice(2).every((reads) => reads <= 16)).toBe(true);
    // The 120 revisions paid for, in steps of 16 (the 121st, put meanwhile, was applied as it came): the
    // eighth step completes it, and from then on nothing is read.
    expect(readsPerOf.slice(2, 10)).toEqual([16, 16, 16, 16, 16, 16, 16, 8]);
    registerTaskDefinition({ family: 'big', containerDefinitions }, ecs);
    deregisterTaskDefinition({ taskDefinition: 'big:7' }, ecs);
    checkFamily(store, 'big');
    // Kept and current: a page reads no record.
    const want = expected(store, 'big', 'ACTIVE', false).slice(0, 100);
    const gets = jest.spyOn(store.taskDefinitions, 'get');
    const members = jest.spyOn(store.taskDefinitions, 'members');
    expect(listTaskDefinitions({ familyPrefix: 'big' }, ecs).taskDefinitionArns).toEqual(want);
    expect(gets).not.toHaveBeenCalled();
    expect(members).not.toHaveBeenCalled();
  });

  it('reads no revision below 1 after a token naming a negative revision', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    const ecs = ecsOf(store);
    for (let i = 0; i < 3; i++) registerTaskDefinition({ family: 'a', containerDefinitions }, ecs);
    let reads = 0;
    const get = store.taskDefinitions.get.bind(store.taskDefinitions);
    jest.spyOn(store.taskDefinitions, 'get').mockImplementation((key) => {
      reads++;
      return get(key);
    });
    const nextToken = nextTokenAfter('ListTaskDefinitions', arn('a', -3_000_000));
    // Listed from the records (the first page of a family), then with no family named.
    for (const familyPrefix of ['a', undefined]) {
      reads = 0;
      expect(listTaskDefinitions({ familyPrefix, nextToken }, ecs).taskDefinitionArns).toEqual([
        arn('a', 1),
        arn('a', 2),
        arn('a', 3),
      ]);
      expect(reads).toBeLessThanOrEqual(3);
    }
  });

  it('refuses a bad page size and a token of another listing before reading anything', () => {
    const store = new EcsStore(new InMemoryStateStore(), scope);
    expect(() => listTaskDefinitions({ familyPrefix: 'x', maxResults: 0 }, ecsOf(store))).toThrow(/maxResults/);
    expect(() => listTaskDefinitions({ familyPrefix: 'x', nextToken: 'bm90IGEgdG9rZW4' }, ecsOf(store))).toThrow(
      /Invalid nextToken/,
    );
    expect(listTaskDefinitions({ familyPrefix: 'x' }, ecsOf(store))).toEqual({ taskDefinitionArns: [] });
  });
});

describe('TaskDefinitionListings', () => {
  const record = (family: string, revision: number, status = 'ACTIVE') =>
    ({ taskDefinition: { family, revision, taskDefinitionArn: arn(family, revision), status }, tags: [] }) as never;
  const family = (name: string, lastRevision: number) => ({ family: name, lastRevision, activeRevisions: 0 });

  it('keeps a listed family current, ignores families not listed, and forgets on clear', () => {
    const listings = new TaskDefinitionListings();
    const stored = new Map<string, never>([
      ['f:1', record('f', 1)],
      ['f:3', record('f', 3)],
    ]);
    let reads = 0;
    const get = (key: string) => {
      reads++;
      return stored.get(key);
    };
    // Listed from the records until its pages have read as many records as it has revisions, then built.
    expect(listings.of(family('f', 3), get)).toBeUndefined();
    listings.paid(family('f', 3), 2);
    expect(listings.of(family('f', 3), get)).toBeUndefined();
    listings.paid(family('f', 3), 1);
    expect(reads).toBe(0);
    const listing = listings.of(family('f', 3), get)!;
    expect(reads).toBe(3);
    expect(listing).toEqual({ revisions: [1, 3], arns: [arn('f', 1), arn('f', 3)], statuses: ['ACTIVE', 'ACTIVE'] });
    listings.written('f:2', record('f', 2, 'INACTIVE'));
    listings.written('f:4', record('f', 4));
    listings.written('f:1', undefined);
    listings.written('f:3', record('f', 3, 'INACTIVE'));
    listings.written('g:1', record('g', 1));
    // A key no handler writes (no revision number) forgets the family: listed from its records again.
    expect(listings.of(family('h', 0), get)).toBeDefined();
    listings.written('h:x', record('h', 1));
    expect(listings.of(family('h', 1), get)).toBeUndefined();
    expect(listings.of(family('f', 4), get)).toEqual({
      revisions: [2, 3, 4],
      arns: [arn('f', 2), arn('f', 3), arn('f', 4)],
      statuses: ['INACTIVE', 'INACTIVE', 'ACTIVE'],
    });
    expect(reads).toBe(3);
    listings.clear();
    expect(listings.of(family('f', 4), get)).toBeUndefined();
    listings.paid(family('f', 4), 4);
    listings.of(family('f', 4), get);
    expect(reads).toBe(7);
  });

  /*
   * The bound the rent gives: the records read building listings never exceed those read by pages from
   * the records, so a sequence of listings reads at most twice what it reads with no listing kept. Each
   * sequence runs on two stores of the same families, one keeping listings (for 8 families at most, so
   * that 24 families cycle past it) and one never, counting every record read, and answering alike.
   * (Charging a page its size instead of its reads fails the resumed and the other family's cases.)
   */
  describe('reads at most twice what listing from the records reads', () => {
    const FAMILIES = 24;
    const REVISIONS = 40;
    function storeOf(keeping: boolean, buildStep?: number) {
      const store = new EcsStore(new InMemoryStateStore(), scope);
      const ecs = ecsOf(store);
      for (let i = 0; i < FAMILIES; i++)
        for (let r = 0; r < REVISIONS; r++) registerTaskDefinition({ family: `f${i}`, containerDefinitions }, ecs);
      const listings = new TaskDefinitionListings(8, buildStep);
      // The store's afterWrite hook reads the field when called, so this smaller set takes its place.
      (store as unknown as { taskDefinitionListings: TaskDefinitionListings }).taskDefinitionListings = listings;
      const counts = { reads: 0, fromListings: 0 };
      const of = listings.of.bind(listings);
      jest.spyOn(listings, 'of').mockImplementation((family, get) => {
        const listing = keeping ? of(family, get) : undefined;
        if (listing) counts.fromListings++;
        return listing;
      });
      // Every record read: by pages listed from the records (`get`) and by building listings (`members`).
      const get = store.taskDefinitions.get.bind(store.taskDefinitions);
      jest.spyOn(store.taskDefinitions, 'get').mockImplementation((key) => {
        counts.reads++;
        return get(key);
      });
      const members = store.taskDefinitions.members.bind(store.taskDefinitions);
      jest.spyOn(store.taskDefinitions, 'members').mockImplementation((key, names) => {
        counts.reads++;
        return members(key, names);
      });
      return { ecs, store, counts };
    }
    const token = (family: string, revision: number) => nextTokenAfter('ListTaskDefinitions', arn(family, revision));
    // Each family three times running, then the next: 24 in turn, more than the 8 kept.
    const name = (i: number) => `f${Math.floor(i / 3) % FAMILIES}`;

    it.each<[string, (i: number) => ListTaskDefinitionsRequest]>([
      ['first pages, families in turn', (i) => ({ familyPrefix: name(i) })],
      ['pages of 1, families in turn', (i) => ({ familyPrefix: name(i), maxResults: 1 })],
      [
        'descending pages resumed near the end (a read each, pages of 100 asked)',
        (i) => ({ familyPrefix: name(i), sort: 'DESC', nextToken: token(name(i), 2) }),
      ],
      ["another family's token (nothing read)", (i) => ({ familyPrefix: name(i), nextToken: token('zz', 1) })],
      ['one family every other time', (i) => ({ familyPrefix: i % 2 ? 'f0' : name(i) })],
    ])('%s', (_name, request) => {
      // Built at once (the default step, more than a family's 40 revisions), and in steps of 16.
      for (const buildStep of [undefined, 16]) {
        const keeping = storeOf(true, buildStep);
        const never = storeOf(false);
        for (let i = 0; i < 2000; i++)
          expect(listTaskDefinitions(request(i), keeping.ecs)).toEqual(listTaskDefinitions(request(i), never.ecs));
        expect(never.counts.fromListings).toBe(0);
        expect(keeping.counts.reads).toBeLessThanOrEqual(2 * never.counts.reads);
      }
    });

    it('reads only what the rent paid for when the family grows while its listing is built', () => {
      const keeping = storeOf(true, 16);
      const never = storeOf(false);
      const both = [keeping, never];
      const list = () => {
        const pages = both.map(({ ecs }) => listTaskDefinitions({ familyPrefix: 'f0', maxResults: 1 }, ecs));
        expect(pages[0]).toEqual(pages[1]);
      };
      // Until the build's first step is read, then 900 revisions more while it is being built.
      while (keeping.counts.reads === never.counts.reads) list();
      for (const { ecs } of both)
        for (let i = 0; i < 900; i++) registerTaskDefinition({ family: 'f0', containerDefinitions }, ecs);
      for (let i = 0; i < 60; i++) list();
      expect(keeping.counts.fromListings).toBeGreaterThan(0);
      expect(keeping.counts.reads).toBeLessThanOrEqual(2 * never.counts.reads);
      checkFamily(keeping.store, 'f0');
    });

    it('does build and use listings where pages from the records pay for them', () => {
      const keeping = storeOf(true);
      for (let i = 0; i < 200; i++) listTaskDefinitions({ familyPrefix: `f${i % 4}` }, keeping.ecs);
      // Each of the 4 families: its first page (40 read) pays for its 40 revisions; the rest from listings.
      expect(keeping.counts.fromListings).toBe(196);
      expect(keeping.counts.reads).toBe(4 * 40 + 4 * 40);
    });
  });

  it('builds a family of 1,100 revisions in steps of the default 500, each listing reading one step', () => {
    const listings = new TaskDefinitionListings();
    const big = family('big', 1100);
    const readsPerOf: number[] = [];
    const of = () => {
      let reads = 0;
      const listing = listings.of(big, (key) => (reads++, record('big', Number(key.slice(4)))));
      readsPerOf.push(reads);
      return listing;
    };
    expect(of()).toBeUndefined();
    listings.paid(big, 1100);
    expect(of()).toBeUndefined();
    expect(of()).toBeUndefined();
    const listing = of()!;
    expect(readsPerOf).toEqual([0, 500, 500, 100]);
    expect(listing.revisions).toEqual(Array.from({ length: 1100 }, (_, i) => i + 1));
    expect(listing.arns[1099]).toBe(arn('big', 1100));
  });

  it('finds the first position at or above a revision', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((v) => lowerBound([1, 2, 4, 8], v))).toEqual([0, 0, 1, 2, 2, 3, 4]);
    expect(lowerBound([], 3)).toBe(0);
  });
});
