/**
 * The one place ECS ARNs are built and parsed. localcloud uses the long ARN format throughout
 * (`cluster/<name>`, `service/<cluster>/<name>`, `task/<cluster>/<id>`).
 */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

export type EcsResourceType =
  'cluster' | 'task-definition' | 'service' | 'task' | 'container-instance' | 'capacity-provider';

export interface ParsedArn {
  readonly region: string;
  readonly accountId: string;
  readonly resourceType: string;
  /** Everything after `<type>/`. */
  readonly resource: string;
}

const PREFIX = 'arn:aws:ecs:';

function arn(scope: Scope, resource: string): string {
  return `${PREFIX}${scope.region}:${scope.accountId}:${resource}`;
}

export const clusterArn = (scope: Scope, name: string) => arn(scope, `cluster/${name}`);
export const taskDefinitionArn = (scope: Scope, family: string, revision: number) =>
  arn(scope, `task-definition/${family}:${revision}`);
export const serviceArn = (scope: Scope, cluster: string, name: string) => arn(scope, `service/${cluster}/${name}`);
export const taskArn = (scope: Scope, cluster: string, id: string) => arn(scope, `task/${cluster}/${id}`);
export const capacityProviderArn = (scope: Scope, name: string) => arn(scope, `capacity-provider/${name}`);

export function isArn(value: string): boolean {
  return value.startsWith('arn:');
}

/** Parses an ECS ARN; undefined when the string is not one. */
export function parseArn(value: string): ParsedArn | undefined {
  const match = /^arn:aws[a-z-]*:ecs:([^:]*):([^:]*):([a-z-]+)\/(.+)$/.exec(value);
  if (!match) return undefined;
  return { region: match[1]!, accountId: match[2]!, resourceType: match[3]!, resource: match[4]! };
}

/** The cluster name in a cluster name or cluster ARN. */
export function clusterNameOf(nameOrArn: string): string {
  const parsed = parseArn(nameOrArn);
  return parsed?.resourceType === 'cluster' ? parsed.resource : nameOrArn;
}
