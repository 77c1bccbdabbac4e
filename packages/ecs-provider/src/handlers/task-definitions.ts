import type {
  DeleteTaskDefinitionsRequest,
  DeleteTaskDefinitionsResponse,
  DeregisterTaskDefinitionRequest,
  DeregisterTaskDefinitionResponse,
  DescribeTaskDefinitionRequest,
  DescribeTaskDefinitionResponse,
  Failure,
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionFamiliesResponse,
  ListTaskDefinitionsRequest,
  ListTaskDefinitionsResponse,
  RegisterTaskDefinitionRequest,
  RegisterTaskDefinitionResponse,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { parseTaskDefinitionRef, rootPrincipalArn, taskDefinitionArn, type Scope } from '../arn';
import { ClientException, InvalidParameterException } from '../errors';
import { assertTaskDefinitionSize, buildTaskDefinition, validateRegistration } from '../domain/task-definition';
import { mergeTags } from '../domain/tags';
import { cursorAfter, nextTokenAfter, pageSize, paginate, paginateFrom } from '../pagination';
import { type FamilyListing, lowerBound } from '../store/task-definition-listings';
import type { FamilyRecord, TaskDefinitionRecord } from '../store/records';
import type { EcsStore } from '../store/ecs-store';
import { truncateText, type RequestContext } from '@localcloud/gateway';

const revisionKey = (family: string, revision: number) => `${family}:${revision}`;

export function registerTaskDefinition(
  input: RegisterTaskDefinitionRequest,
  { store, scope, strict, logger }: EcsScope,
  request?: RequestContext,
): RegisterTaskDefinitionResponse {
  assertTaskDefinitionSize(input, request?.bodyBytes);
  const waived = validateRegistration(input, { strict });
  const tags = mergeTags([], input.tags ?? []);
  const familyName = input.family!;
  const family = store.families.get(familyName);
  const revision = (family?.lastRevision ?? 0) + 1;
  const taskDefinition = buildTaskDefinition(input, {
    taskDefinitionArn: taskDefinitionArn(scope, familyName, revision),
    revision,
    registeredAt: new Date(),
    registeredBy: rootPrincipalArn(scope),
  });
  // The revision and the family's counter are written together: after a crash both are there or neither.
  store.transaction(() => {
    store.taskDefinitions.put(revisionKey(familyName, revision), { taskDefinition, tags });
    store.families.put(familyName, {
      family: familyName,
      lastRevision: revision,
      activeRevisions: (family?.activeRevisions ?? 0) + 1,
    });
  });
  if (waived.length > 0) {
    logger.warn(
      `Registered ${familyName}:${revision}, which AWS would refuse: ${waived.join(' ')} ` +
        'localcloud runs such containers without a memory limit; ECS_STRICT_VALIDATION=1 refuses them as AWS does.',
    );
  }
  return { taskDefinition, tags };
}

/**
 * The task definition a reference names: `family:revision` or an ARN exactly, a bare `family` its latest
 * ACTIVE revision. Undefined when there is none. Task and service handlers use this too.
 */
export function findTaskDefinition(store: EcsStore, scope: Scope, reference: string): TaskDefinitionRecord | undefined {
  const ref = parseTaskDefinitionRef(reference, scope);
  if (!ref || !ref.scoped || ref.badRevision !== undefined) return undefined;
  if (ref.revision !== undefined) return store.taskDefinitions.get(revisionKey(ref.family, ref.revision));
  if (ref.fromArn) return undefined;
  const family = store.families.get(ref.family);
  if (!family || family.activeRevisions === 0) return undefined;
  for (let revision = family.lastRevision; revision >= 1; revision -= 1) {
    const record = store.taskDefinitions.get(revisionKey(ref.family, revision));
    if (record?.taskDefinition.status === 'ACTIVE') return record;
  }
  return undefined;
}

/**
 * The task definition RunTask, StartTask, CreateService and UpdateService name (any status: callers
 * decide what a non-ACTIVE one means). ClientException "TaskDefinition not found." when there is none, as ECS answers.
 */
export function resolveTaskDefinition(
  { store, scope }: Pick<EcsScope, 'store' | 'scope'>,
  reference: string,
): TaskDefinition {
  const record = findTaskDefinition(store, scope, reference);
  if (!record) throw new ClientException('TaskDefinition not found.');
  return record.taskDefinition;
}

export function describeTaskDefinition(
  input: DescribeTaskDefinitionRequest,
  { store, scope }: EcsScope,
): DescribeTaskDefinitionResponse {
  const record = findTaskDefinition(store, scope, input.taskDefinition!);
  if (!record) throw new ClientException('Unable to describe task definition.');
  return input.include?.includes('TAGS')
    ? { taskDefinition: record.taskDefinition, tags: record.tags }
    : { taskDefinition: record.taskDefinition };
}

/** Where a ListTaskDefinitions page resumes: the family and revision of the last ARN it returned. */
function revisionOfArn(arn: string): { family: string; revision: number } | undefined {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  const revision = Number(name.slice(colon + 1));
  return colon > 0 && Number.isInteger(revision) ? { family: name.slice(0, colon), revision } : undefined;
}

/**
 * Task definitions in ECS's listing order (family name, then revision; both reversed for DESC) strictly
 * after the ARN `afterArn`, read from the sorted family index and each family's revision counter: a
 * page costs the revisions it reads (its size, and those it skips: gaps, other statuses), not the number
 * of families or revisions stored. (A family with a kept listing is `listFamily`'s.) Each record read is
 * counted in `reads`.
 */
function* revisionsAfter(
  store: EcsStore,
  familyPrefix: string | undefined,
  afterArn: string | undefined,
  descending: boolean,
  reads: { count: number },
): IterableIterator<TaskDefinition> {
  const after = afterArn === undefined ? undefined : revisionOfArn(afterArn);
  const names =
    familyPrefix !== undefined
      ? [familyPrefix]
      : (function* () {
          // The cursor's own family first (its remaining revisions), then the families after it.
          if (after && store.families.has(after.family)) yield after.family;
          yield* store.families.keysAfter(after?.family, descending);
        })();
  for (const name of names) {
    const family = store.families.get(name);
    if (!family) continue;
    const resume = after?.family === name ? after.revision : undefined;
    // A token naming another family (of another family's listing): this family is wholly after it, or before.
    if (familyPrefix !== undefined && after && after.family !== name) {
      if (descending ? after.family < name : after.family > name) return;
    }
    // Within 1 to the family's last revision whatever the token names (a forged one may name revision -3e9).
    const first = descending ? Math.min(family.lastRevision, (resume ?? Infinity) - 1) : Math.max(1, (resume ?? 0) + 1);
    for (let revision = first; descending ? revision >= 1 : revision <= family.lastRevision;) {
      const record = store.taskDefinitions.get(revisionKey(name, revision));
      reads.count++;
      if (record) yield record.taskDefinition;
      revision += descending ? -1 : 1;
    }
  }
}

/**
 * One page of `size` of one family's revisions (`familyPrefix` names it whole) after the token's `afterArn`,
 * from the family's listing (store/task-definition-listings.ts): what `revisionsAfter` gives for a family
 * prefix, filtered by status, as `paginateFrom` cuts it, without a store look-up per revision.
 */
function listFamily(
  input: ListTaskDefinitionsRequest,
  { revisions, arns, statuses }: FamilyListing,
  family: FamilyRecord,
  status: string,
  size: number,
  afterArn: string | undefined,
): ListTaskDefinitionsResponse {
  const name = family.family;
  const descending = input.sort === 'DESC';
  const after = afterArn === undefined ? undefined : revisionOfArn(afterArn);
  // A token naming another family (of another family's listing): this family is wholly after it, or before.
  if (after && after.family !== name && (descending ? after.family < name : after.family > name)) {
    return { taskDefinitionArns: [], nextToken: undefined };
  }
  const resume = after?.family === name ? after.revision : undefined;
  const last = family.lastRevision;
  const page: string[] = [];
  if (descending) {
    // Revisions below the resumed one (and not above the family's last), highest first.
    const below = Math.min(last + 1, resume ?? Infinity);
    for (let i = lowerBound(revisions, below) - 1; i >= 0; i--) {
      if (revisions[i]! < 1) break;
      if (statuses[i] !== status) continue;
      if (page.length === size)
        return { taskDefinitionArns: page, nextToken: nextTokenAfter('ListTaskDefinitions', page[size - 1]!) };
      page.push(arns[i]!);
    }
  } else {
    for (let i = lowerBound(revisions, Math.max(1, (resume ?? 0) + 1)); i < revisions.length; i++) {
      if (revisions[i]! > last) break;
      if (statuses[i] !== status) continue;
      if (page.length === size)
        return { taskDefinitionArns: page, nextToken: nextTokenAfter('ListTaskDefinitions', page[size - 1]!) };
      page.push(arns[i]!);
    }
  }
  return { taskDefinitionArns: page, nextToken: undefined };
}

const LIST_LIMITS = { defaultSize: 100, maxSize: 100 };
/** What building a family's listing reads of each revision (`members`: a record not yet decoded stays so). */
const LISTED = ['taskDefinition'] as const;

export function listTaskDefinitions(
  input: ListTaskDefinitionsRequest,
  { store }: EcsScope,
): ListTaskDefinitionsResponse {
  const status = input.status ?? 'ACTIVE';
  // `familyPrefix` is the full family name for this operation (unlike ListTaskDefinitionFamilies).
  let family: FamilyRecord | undefined;
  if (input.familyPrefix !== undefined) {
    family = store.families.get(input.familyPrefix);
    if (!family) {
      pageSize(input, LIST_LIMITS);
      cursorAfter('ListTaskDefinitions', input);
      return { taskDefinitionArns: [], nextToken: undefined };
    }
    const size = pageSize(input, LIST_LIMITS);
    const afterArn = cursorAfter('ListTaskDefinitions', input);
    const listing = store.taskDefinitionListings.of(family, (key) => store.taskDefinitions.members(key, LISTED));
    if (listing) return listFamily(input, listing, family, status, size, afterArn);
  }
  const reads = { count: 0 };
  const page = paginateFrom(
    'ListTaskDefinitions',
    input,
    LIST_LIMITS,
    (definition: TaskDefinition) => definition.taskDefinitionArn!,
    function* (after) {
      for (const definition of revisionsAfter(store, input.familyPrefix, after, input.sort === 'DESC', reads)) {
        if (definition.status === status) yield definition;
      }
    },
  );
  if (family) store.taskDefinitionListings.paid(family, reads.count);
  return {
    taskDefinitionArns: page.items.map((definition) => definition.taskDefinitionArn!),
    nextToken: page.nextToken,
  };
}

export function listTaskDefinitionFamilies(
  input: ListTaskDefinitionFamiliesRequest,
  { store }: EcsScope,
): ListTaskDefinitionFamiliesResponse {
  const status = input.status ?? 'ALL';
  const prefix = input.familyPrefix ?? '';
  const names = [...store.families.values()]
    .filter((f) => f.family.startsWith(prefix))
    .filter((f) => status === 'ALL' || (status === 'ACTIVE' ? f.activeRevisions > 0 : f.activeRevisions === 0))
    .map((f) => f.family)
    .sort();
  const page = paginate('ListTaskDefinitionFamilies', names, (name) => name, input, { defaultSize: 100, maxSize: 100 });
  return { families: page.items, nextToken: page.nextToken };
}

export function deregisterTaskDefinition(
  input: DeregisterTaskDefinitionRequest,
  { store, scope }: EcsScope,
): DeregisterTaskDefinitionResponse {
  const ref = parseTaskDefinitionRef(input.taskDefinition!, scope);
  if (ref && ref.revision === undefined && ref.badRevision === undefined) {
    throw new ClientException('A revision must be specified: use family:revision or the full task definition ARN.');
  }
  if (ref?.badRevision !== undefined)
    throw new ClientException(`Invalid revision number. Number: ${truncateText(String(ref.badRevision))}`);
  const record = findTaskDefinition(store, scope, input.taskDefinition!);
  if (!record) throw new ClientException('The specified task definition does not exist.');
  const current = record.taskDefinition;
  // Deregistering an INACTIVE (or deleted) revision changes nothing.
  if (current.status !== 'ACTIVE') return { taskDefinition: current };
  const taskDefinition = { ...current, status: 'INACTIVE' as const, deregisteredAt: new Date() };
  const family = store.families.get(current.family)!;
  store.transaction(() => {
    store.taskDefinitions.put(revisionKey(current.family, current.revision), { ...record, taskDefinition });
    store.families.put(current.family, { ...family, activeRevisions: Math.max(0, family.activeRevisions - 1) });
  });
  return { taskDefinition };
}

/** DeleteTaskDefinitions takes at most this many task definitions per request. */
const DELETE_BATCH_LIMIT = 10;

export function deleteTaskDefinitions(
  input: DeleteTaskDefinitionsRequest,
  { store, scope }: EcsScope,
): DeleteTaskDefinitionsResponse {
  const references = input.taskDefinitions ?? [];
  if (references.length === 0 || references.length > DELETE_BATCH_LIMIT) {
    throw new InvalidParameterException(
      `DeleteTaskDefinitions takes between 1 and ${DELETE_BATCH_LIMIT} task definitions; ${references.length} were given.`,
    );
  }
  const deleted: TaskDefinition[] = [];
  const failures: Failure[] = [];
  const changes: TaskDefinitionRecord[] = [];
  for (const reference of references) {
    const ref = parseTaskDefinitionRef(reference, scope);
    const arn = ref && ref.revision !== undefined ? taskDefinitionArn(scope, ref.family, ref.revision) : reference;
    if (!ref || ref.revision === undefined) {
      failures.push({
        arn,
        reason: 'The specified task definition identifier is invalid. Specify a valid name or ARN and try again.',
      });
      continue;
    }
    const record = findTaskDefinition(store, scope, reference);
    if (!record) {
      failures.push({
        arn,
        reason: 'The specified task definition does not exist. Specify a valid task definition and try again.',
      });
      continue;
    }
    const current = record.taskDefinition;
    if (current.status === 'ACTIVE') {
      failures.push({
        arn,
        reason:
          'The specified task definition is still in ACTIVE status. Deregister the task definition and try again.',
      });
      continue;
    }
    const next =
      current.status === 'DELETE_IN_PROGRESS'
        ? record
        : { ...record, taskDefinition: { ...current, status: 'DELETE_IN_PROGRESS' as const } };
    if (next !== record) changes.push(next);
    deleted.push(next.taskDefinition);
  }
  store.transaction(() => {
    for (const record of changes) {
      store.taskDefinitions.put(revisionKey(record.taskDefinition.family, record.taskDefinition.revision), record);
    }
  });
  return { taskDefinitions: deleted, failures };
}
