import type { FamilyRecord, TaskDefinitionRecord } from './records';

/**
 * One family's revisions as ListTaskDefinitions reads them: revision numbers ascending, each with its ARN
 * and status (the stored record's own strings), in three parallel arrays.
 */
export interface FamilyListing {
  readonly revisions: number[];
  readonly arns: string[];
  readonly statuses: string[];
}

/** At most this many families' listings are kept (the first built go first), and as many families' rent, by default. */
const MAX_FAMILIES = 1024;
/**
 * A family of more revisions than this is listed from its records, a page at a time, as before: its
 * first listing would read (and, for records still as bytes from a snapshot, decode) every revision.
 */
export const MAX_KEPT_REVISIONS = 1000;

/**
 * The revisions of the families ListTaskDefinitions has listed by `familyPrefix`, so that a page is read
 * from three arrays instead of a store look-up per revision (each a key built and hashed): kept current
 * by every put and delete of a revision (`written`, the task definitions view's `afterWrite`), never
 * built at start-up. Forgotten wholesale when the store's indexes are rebuilt (`clear`, a transaction
 * that threw), and with the store itself after a failed sync.
 *
 * Building a listing reads every revision of the family, where a page from the records reads only what
 * that page needs. So a family is listed from its records first, each such page's reads counted as the
 * family's rent (`paid`), and its listing is built only once that rent reaches the family's revision
 * count (for a family of up to a page of revisions listed from its start: on its second listing). The
 * reads spent building listings thus never exceed those spent on pages from the records, whatever the
 * pattern of families, tokens and page sizes: at worst twice the reads of never keeping a listing.
 */
export class TaskDefinitionListings {
  private readonly families = new Map<string, FamilyListing>();
  /** Records read by pages listed from the records, per family not kept. */
  private readonly rent = new Map<string, number>();

  constructor(private readonly maxFamilies = MAX_FAMILIES) {}

  clear(): void {
    this.families.clear();
    this.rent.clear();
  }

  /** A revision `family:revision` was put (its record) or deleted (undefined). */
  written(key: string, record: TaskDefinitionRecord | undefined): void {
    const colon = key.lastIndexOf(':');
    const listing = this.families.get(key.slice(0, colon));
    if (!listing) return;
    const revision = Number(key.slice(colon + 1));
    if (!Number.isInteger(revision) || revision > MAX_KEPT_REVISIONS) {
      // Not a key a handler writes, or a family grown past what is kept: listed from its records from now on.
      this.families.delete(key.slice(0, colon));
      return;
    }
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
      statuses[at] = record.taskDefinition.status!;
    } else {
      revisions.splice(at, 0, revision);
      arns.splice(at, 0, record.taskDefinition.taskDefinitionArn);
      statuses.splice(at, 0, record.taskDefinition.status!);
    }
  }

  /**
   * The family's revisions 1 to its last, read once through `get` (by `family:revision`) and kept from
   * then on; or undefined when the page is to be listed from the records instead (then say what it read,
   * `paid`): the family has more than MAX_KEPT_REVISIONS revisions, or has not yet paid its rent (above).
   */
  of(family: FamilyRecord, get: (key: string) => TaskDefinitionRecord | undefined): FamilyListing | undefined {
    if (family.lastRevision > MAX_KEPT_REVISIONS) return undefined;
    const name = family.family;
    let listing = this.families.get(name);
    if (listing) return listing;
    if ((this.rent.get(name) ?? 0) < family.lastRevision) return undefined;
    this.rent.delete(name);
    listing = { revisions: [], arns: [], statuses: [] };
    for (let revision = 1; revision <= family.lastRevision; revision++) {
      const record = get(`${name}:${revision}`);
      if (!record) continue;
      listing.revisions.push(revision);
      listing.arns.push(record.taskDefinition.taskDefinitionArn);
      listing.statuses.push(record.taskDefinition.status!);
    }
    if (this.families.size >= this.maxFamilies) this.families.delete(this.families.keys().next().value!);
    this.families.set(name, listing);
    return listing;
  }

  /** A page of `family` was listed from its records (`of` gave none), reading `reads` of them. */
  paid(family: FamilyRecord, reads: number): void {
    if (reads === 0 || family.lastRevision > MAX_KEPT_REVISIONS) return;
    const paid = this.rent.get(family.family);
    if (paid === undefined && this.rent.size >= this.maxFamilies) this.rent.delete(this.rent.keys().next().value!);
    this.rent.set(family.family, (paid ?? 0) + reads);
  }
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
