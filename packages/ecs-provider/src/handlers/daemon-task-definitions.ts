import type {
  DeleteDaemonTaskDefinitionRequest,
  DeleteDaemonTaskDefinitionResponse,
  DescribeDaemonTaskDefinitionRequest,
  DescribeDaemonTaskDefinitionResponse,
  ListDaemonTaskDefinitionsRequest,
  ListDaemonTaskDefinitionsResponse,
  RegisterDaemonTaskDefinitionRequest,
  RegisterDaemonTaskDefinitionResponse,
} from '@aws-sdk/client-ecs';
import { truncateText, quoted } from '@localcloud/gateway';
import { rootPrincipalArn } from '../arn';
import type { EcsScope } from '../ecs-scope';
import { ClientException } from '../errors';
import { daemonTaskDefinitionArn, keyOfScopedArn, type DaemonTaskDefinitionRecord } from '../domain/daemons';
import { isValidFamily } from '../domain/task-definition';
import { validateTags } from '../domain/tags';
import { paginate } from '../pagination';

/*
 * RegisterDaemonTaskDefinition, DescribeDaemonTaskDefinition, ListDaemonTaskDefinitions and
 * DeleteDaemonTaskDefinition. Revisions are numbered per family and numbering never restarts (deleted
 * revisions are kept, DELETED). A revision an ACTIVE daemon still runs is DELETE_IN_PROGRESS until no
 * daemon does (the daemon scheduler finishes it); one nothing runs is DELETED at once.
 */

const CONTAINER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export function registerDaemonTaskDefinition(
  input: RegisterDaemonTaskDefinitionRequest,
  ecs: EcsScope,
): RegisterDaemonTaskDefinitionResponse {
  const family = input.family!;
  if (!isValidFamily(family)) {
    throw new ClientException(
      'Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
    );
  }
  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) throw new ClientException('Container definitions cannot be empty.');
  const names = new Set<string>();
  for (const container of containers) {
    if (!container.name || !CONTAINER_NAME.test(container.name)) {
      throw new ClientException(
        `Container name ${truncateText(String(container.name ?? ''))} is invalid: up to 255 letters, numbers, hyphens, and underscores are allowed.`,
      );
    }
    if (names.has(container.name)) throw new ClientException(`Duplicate container name: ${container.name}.`);
    names.add(container.name);
  }
  const tags = validateTags(input.tags);
  let revision = 1;
  for (const record of ecs.store.daemonTaskDefinitions.values()) {
    if (record.definition.family === family) revision = Math.max(revision, record.definition.revision + 1);
  }
  const arn = daemonTaskDefinitionArn(ecs.scope, family, revision);
  const record: DaemonTaskDefinitionRecord = {
    definition: {
      daemonTaskDefinitionArn: arn,
      family,
      revision,
      taskRoleArn: input.taskRoleArn,
      executionRoleArn: input.executionRoleArn,
      containerDefinitions: containers.map((c) => ({ ...c, essential: c.essential ?? true })),
      volumes: input.volumes ?? [],
      cpu: input.cpu,
      memory: input.memory,
      pidMode: input.pidMode,
      ipcMode: input.ipcMode,
      status: 'ACTIVE',
      registeredAt: new Date(),
      registeredBy: rootPrincipalArn(ecs.scope),
    },
    tags,
  };
  ecs.store.daemonTaskDefinitions.put(`${family}:${revision}`, record);
  return { daemonTaskDefinitionArn: arn };
}

/** A daemon task definition by ARN or `family:revision` (a bare family: its latest ACTIVE revision). */
export function findDaemonTaskDefinition(ecs: EcsScope, reference: string): DaemonTaskDefinitionRecord | undefined {
  const key = reference.startsWith('arn:') ? keyOfScopedArn(reference, 'daemon-task-definition', ecs.scope) : reference;
  if (!key) return undefined;
  if (key.includes(':')) return ecs.store.daemonTaskDefinitions.get(key);
  let latest: DaemonTaskDefinitionRecord | undefined;
  for (const record of ecs.store.daemonTaskDefinitions.values()) {
    const d = record.definition;
    if (d.family === key && d.status === 'ACTIVE' && (!latest || d.revision > latest.definition.revision))
      latest = record;
  }
  return latest;
}

export function requireDaemonTaskDefinition(ecs: EcsScope, reference: string): DaemonTaskDefinitionRecord {
  const found = findDaemonTaskDefinition(ecs, reference);
  if (!found) throw new ClientException(`Unable to describe daemon task definition ${quoted(reference)}.`);
  return found;
}

export function describeDaemonTaskDefinition(
  input: DescribeDaemonTaskDefinitionRequest,
  ecs: EcsScope,
): DescribeDaemonTaskDefinitionResponse {
  return { daemonTaskDefinition: requireDaemonTaskDefinition(ecs, input.daemonTaskDefinition!).definition };
}

export function listDaemonTaskDefinitions(
  input: ListDaemonTaskDefinitionsRequest,
  ecs: EcsScope,
): ListDaemonTaskDefinitionsResponse {
  const status = input.status ?? 'ACTIVE';
  let records = [...ecs.store.daemonTaskDefinitions.values()]
    .map((r) => r.definition)
    .filter((d) => status === 'ALL' || d.status === status)
    .filter((d) => input.family === undefined || d.family === input.family)
    .filter((d) => input.familyPrefix === undefined || d.family.startsWith(input.familyPrefix));
  if (input.revision === 'LAST_REGISTERED') {
    const last = new Map<string, (typeof records)[number]>();
    for (const d of records) if ((last.get(d.family)?.revision ?? 0) < d.revision) last.set(d.family, d);
    records = [...last.values()];
  }
  const direction = input.sort === 'DESC' ? -1 : 1;
  records.sort((a, b) => direction * (a.family.localeCompare(b.family) || a.revision - b.revision));
  const page = paginate('ListDaemonTaskDefinitions', records, (d) => d.daemonTaskDefinitionArn, input, {
    defaultSize: 100,
    maxSize: 100,
  });
  return {
    daemonTaskDefinitions: page.items.map((d) => ({
      arn: d.daemonTaskDefinitionArn,
      registeredAt: d.registeredAt,
      registeredBy: d.registeredBy,
      deleteRequestedAt: d.deleteRequestedAt,
      status: d.status,
    })),
    nextToken: page.nextToken,
  };
}

export function deleteDaemonTaskDefinition(
  input: DeleteDaemonTaskDefinitionRequest,
  ecs: EcsScope,
): DeleteDaemonTaskDefinitionResponse {
  const record = requireDaemonTaskDefinition(ecs, input.daemonTaskDefinition!);
  const { definition } = record;
  if (definition.status === 'ACTIVE') {
    const inUse = daemonTaskDefinitionInUse(ecs, definition.daemonTaskDefinitionArn);
    ecs.store.daemonTaskDefinitions.put(`${definition.family}:${definition.revision}`, {
      ...record,
      definition: { ...definition, status: inUse ? 'DELETE_IN_PROGRESS' : 'DELETED', deleteRequestedAt: new Date() },
    });
    ecs.scheduler?.kick();
  }
  return { daemonTaskDefinitionArn: definition.daemonTaskDefinitionArn };
}

/** Whether a daemon that is not deleted yet deploys the revision. */
export function daemonTaskDefinitionInUse(ecs: Pick<EcsScope, 'store'>, arn: string): boolean {
  for (const daemon of ecs.store.daemons.values()) {
    const revision = ecs.store.daemonRevisions.get(daemon.revisionArn.slice(daemon.revisionArn.indexOf('/') + 1));
    if (revision?.daemonTaskDefinitionArn === arn) return true;
  }
  return false;
}
