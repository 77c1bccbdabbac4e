import { ARN_PARTITION_PATTERN, arnPartition } from '@localcloud/gateway';

/**
 * The one place ECS ARNs are built and parsed. localcloud uses the long ARN format throughout
 * (`cluster/<name>`, `service/<cluster>/<name>`, `task/<cluster>/<id>`).
 */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

export type EcsResourceType =
  | 'cluster'
  | 'task-definition'
  | 'service'
  | 'task'
  | 'container-instance'
  | 'capacity-provider'
  | 'service-deployment'
  | 'service-revision';

export interface ParsedArn {
  readonly region: string;
  readonly accountId: string;
  readonly resourceType: string;
  /** Everything after `<type>/`. */
  readonly resource: string;
}

function arn(scope: Scope, resource: string): string {
  return `arn:${arnPartition(scope.region)}:ecs:${scope.region}:${scope.accountId}:${resource}`;
}

export const clusterArn = (scope: Scope, name: string) => arn(scope, `cluster/${name}`);
export const taskDefinitionArn = (scope: Scope, family: string, revision: number) =>
  arn(scope, `task-definition/${family}:${revision}`);
export const serviceArn = (scope: Scope, cluster: string, name: string) => arn(scope, `service/${cluster}/${name}`);
export const taskArn = (scope: Scope, cluster: string, id: string) => arn(scope, `task/${cluster}/${id}`);
export const containerInstanceArn = (scope: Scope, cluster: string, id: string) =>
  arn(scope, `container-instance/${cluster}/${id}`);
export const capacityProviderArn = (scope: Scope, name: string) => arn(scope, `capacity-provider/${name}`);
/** `service-deployment/<cluster>/<service>/<id>`, as ECS writes it. */
export const serviceDeploymentArn = (scope: Scope, cluster: string, service: string, id: string) =>
  arn(scope, `service-deployment/${cluster}/${service}/${id}`);
/** `service-revision/<cluster>/<service>/<id>`; the id is the digits of the deployment's `ecs-svc/` id. */
export const serviceRevisionArn = (scope: Scope, cluster: string, service: string, id: string) =>
  arn(scope, `service-revision/${cluster}/${service}/${id}`);
export const containerArn = (scope: Scope, cluster: string, taskId: string, id: string) =>
  arn(scope, `container/${cluster}/${taskId}/${id}`);

/** The IAM principal localcloud acts as: the account's root user (`registeredBy`, account settings). */
export const rootPrincipalArn = (scope: Scope) => `arn:${arnPartition(scope.region)}:iam::${scope.accountId}:root`;

export function isArn(value: string): boolean {
  return value.startsWith('arn:');
}

const ECS_ARN = new RegExp(`^arn:${ARN_PARTITION_PATTERN}:ecs:([^:]*):([^:]*):([a-z-]+)/(.+)$`);

/** Parses an ECS ARN of any partition; undefined when the string is not one. */
export function parseArn(value: string): ParsedArn | undefined {
  const match = ECS_ARN.exec(value);
  if (!match) return undefined;
  return { region: match[1]!, accountId: match[2]!, resourceType: match[3]!, resource: match[4]! };
}

/** Whether a parsed ARN names a resource of the given account and region. */
export function inScope(parsed: ParsedArn, scope: Scope): boolean {
  return parsed.accountId === scope.accountId && parsed.region === scope.region;
}

/** The cluster name in a cluster name or cluster ARN. */
export function clusterNameOf(nameOrArn: string): string {
  const parsed = parseArn(nameOrArn);
  return parsed?.resourceType === 'cluster' ? parsed.resource : nameOrArn;
}

/**
 * A task definition reference as ECS accepts it: `family`, `family:revision` or a task definition ARN.
 * `revision` is undefined for a bare family; `scoped` is false for an ARN of another account or region.
 */
export interface TaskDefinitionRef {
  readonly family: string;
  readonly revision?: number;
  /** The revision text as given, when it is not a positive integer. */
  readonly badRevision?: string;
  readonly fromArn: boolean;
  readonly scoped: boolean;
}

export function parseTaskDefinitionRef(value: string, scope: Scope): TaskDefinitionRef | undefined {
  let text = value;
  let fromArn = false;
  let scoped = true;
  if (isArn(value)) {
    const parsed = parseArn(value);
    if (!parsed || parsed.resourceType !== 'task-definition') return undefined;
    text = parsed.resource;
    fromArn = true;
    scoped = inScope(parsed, scope);
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { family: text, fromArn, scoped };
  const family = text.slice(0, colon);
  const revisionText = text.slice(colon + 1);
  const revision = /^[1-9]\d{0,9}$/.test(revisionText) ? Number(revisionText) : undefined;
  return revision === undefined
    ? { family, badRevision: revisionText, fromArn, scoped }
    : { family, revision, fromArn, scoped };
}
