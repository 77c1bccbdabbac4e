import type { FamilyRecord, TaskDefinitionRecord } from './records';

/**
 * One family's revisions as ListTaskDefinitions reads them: revision numbers ascending, each with its ARN
 * (the stored record's own string) and status (one shared string per status), in three parallel arrays.
 */
export interface FamilyListing {
  readonly revisions: number[];
  readonly arns: string[];
  readonly statuses: string[];
}

/**
 * At most this many families' listings are kept (the first built go first), as many being built, and as many
 * families' rent, by default.
 */
const MAX_FAMILIES = 1024;
/**
 * Revisions a listing being built reads per ListTaskDefinitions of its family, by default: a family of
 * thousands of revisions (records parsed from a snapshot's bytes) is built over several requests, each
 * reading a few pages' worth for its listing, not in one long turn that every other client would wait behind.
 */
const BUILD_STEP = 500;

/**
 * A listing being built: revisions 1 to `through` read, complete at `to` (the family's last revision when
 * the build began, which its rent paid for). Revisions put or deleted above `to` since are applied as they
 * happen, so the build reads only what was paid for, however the family grows meanwhile.
 */
interface Building extends FamilyListing {
  through: number;
  readonly to: number;
}

/** What a listing reads of a stored revision. */
export type ListedRecord = Partial<Pick<TaskDefinitionRecord, 'taskDefinition'>>;

/** The statuses a task definition has, one string each, so a listing holds no copy of its own per revision. */
const STATUSES = new Map(['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].map((status) => [status, status]));
const shared = (status: string) => STATUSES.get(status) ?? status;

/**
 * The revisions of the families ListTaskDefinitions has listed by `familyPrefix`, so that a page is read
 * from three arrays instead of a store look-up per revision (each a key built and hashed, and a record
 * decoded when it is still bytes from a snapshot): kept current by every put and delete of a revision
 * (`written`, the task definitions view's `afterWrite`), never built at start-up. Forgotten wholesale when
 * the store's indexes are rebuilt (`clear`, a transaction that threw), and with the store itself after a
 * failed sync.
 *
 * Building a listing reads every revision of the family, where a page from the records reads only what
 * that page needs. So a family is listed from its records first, each such page's reads counted as the
 * family's rent (`paid`), and its listing is built only once that rent reaches the family's revision
 * count (for a family of up to a page of revisions listed from its start: on its second listing). The
 * reads spent building listings thus never exceed those spent on pages from the records, whatever the
 * pattern of families, tokens and page sizes: at worst twice the reads of never keeping a listing. A
 * listing is built a step of revisions per listing of its family (`BUILD_STEP`), those pages still listed
 * from the records, so that building adds at most a step's reads to any one request.
 */
export class TaskDefinitionListings {
  private readonly families = new Map<string, FamilyListing>();
  /** Listings being built, a step per listing of the family. */
  private readonly building = new Map<string, Building>();
  /** Records read by pages listed from the records, per family not kept. */
  private readonly rent = new Map<string, number>();

  constructor(
    private readonly maxFamilies = MAX_FAMILIES,
    private readonly buildStep = BUILD_STEP,
  ) {}

  clear(): void {
    this.families.clear();
    this.building.clear();
    this.rent.clear();
  }

  /** A revision `family:revision` was put (its record) or deleted (undefined). */
  written(key: string, record: TaskDefinitionRecord | undefined): void {
    const colon = key.lastIndexOf(':');
    const name = key.slice(0, colon);
    const kept = this.families.get(name);
    const building = kept ? undefined : this.building.get(name);
    const listing = kept ?? building;
    if (!listing) return;
    const revision = Number(key.slice(colon + 1));
    if (!Number.isInteger(revision)) {
      // Not a key a handler writes: listed from its records from now on.
      this.families.delete(name);
      this.building.delete(name);
      return;
    }
    // A revision the build has yet to reach is read when it does.
    if (building && revision > building.through && revision <= building.to) return;
    const { revisions, arns, statuses } = listing;
    const at = lowerBound(revisions, revision);
    const present = revisions[at] === revision;
    if (record === undefined) {
      if (present) {
        revisions.splice(at, 1);
        arns.splice(at, 1);
        statuses.splice(at, 1);
      }
    } else if (present) {
      arns[at] = record.taskDefinition.taskDefinitionArn;
      statuses[at] = shared(record.taskDefinition.status!);
    } else {
      revisions.splice(at, 0, revision);
      arns.splice(at, 0, record.taskDefinition.taskDefinitionArn);
      statuses.splice(at, 0, shared(record.taskDefinition.status!));
    }
  }

  /**
   * The family's revisions 1 to its last, read through `read` (by `family:revision`) and kept from then
   * on; or undefined when the page is to be listed from the records instead (then say what it read,
   * `paid`): the family has not yet paid its rent (above), or its listing is still being built (this call
   * read the next step of it).
   */
  of(family: FamilyRecord, read: (key: string) => ListedRecord | undefined): FamilyListing | undefined {
    const name = family.family;
    const kept = this.families.get(name);
    if (kept) return kept;
    let building = this.building.get(name);
    if (!building) {
      if ((this.rent.get(name) ?? 0) < family.lastRevision) return undefined;
      this.rent.delete(name);
      building = { revisions: [], arns: [], statuses: [], through: 0, to: family.lastRevision };
      evictFirst(this.building, this.maxFamilies);
      this.building.set(name, building);
    }
    const until = Math.min(building.to, building.through + this.buildStep);
    const revisions: number[] = [];
    const arns: string[] = [];
    const statuses: string[] = [];
    for (let revision = building.through + 1; revision <= until; revision++) {
      const definition = read(`${name}:${revision}`)?.taskDefinition;
      if (!definition) continue;
      revisions.push(revision);
      arns.push(definition.taskDefinitionArn);
      statuses.push(shared(definition.status!));
    }
    // Before any revision above `to` put since the build began.
    const at = lowerBound(building.revisions, building.through + 1);
    insertAt(building.revisions, at, revisions);
    insertAt(building.arns, at, arns);
    insertAt(building.statuses, at, statuses);
    building.through = until;
    if (until < building.to) return undefined;
    this.building.delete(name);
    const listing: FamilyListing = { revisions: building.revisions, arns: building.arns, statuses: building.statuses };
    evictFirst(this.families, this.maxFamilies);
    this.families.set(name, listing);
    return listing;
  }

  /** A page of `family` was listed from its records (`of` gave none), reading `reads` of them. */
  paid(family: FamilyRecord, reads: number): void {
    if (reads === 0) return;
    const paid = this.rent.get(family.family);
    if (paid === undefined) evictFirst(this.rent, this.maxFamilies);
    this.rent.set(family.family, (paid ?? 0) + reads);
  }
}

/** Inserts `items` into `target` before position `at`. */
function insertAt<T>(target: T[], at: number, items: readonly T[]): void {
  if (at === target.length) for (const item of items) target.push(item);
  else target.splice(at, 0, ...items);
}

/** Makes room for one more entry in `map` of at most `max`: the first set goes first. */
function evictFirst(map: Map<string, unknown>, max: number): void {
  if (map.size >= max) map.delete(map.keys().next().value!);
}

/** The first index of ascending `values` whose value is at least `value` (`values.length` when none). */
export function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
