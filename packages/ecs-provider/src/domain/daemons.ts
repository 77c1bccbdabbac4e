import type {
  DaemonDeployment,
  DaemonDeploymentConfiguration,
  DaemonRevision,
  DaemonTaskDefinition,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { arnPartition } from '@localcloud/gateway';
import type { Scope } from '../arn';

/*
 * Daemons: one task of a daemon task definition on every container instance of a cluster. Locally that
 * is the cluster's local instance (the engine) and its registered instances, whose tasks run on the
 * local engine as well (docs/ecs-provider.md, "Daemons").
 */

export type DaemonTaskDefinitionStatus = 'ACTIVE' | 'DELETE_IN_PROGRESS' | 'DELETED';

export interface DaemonTaskDefinitionRecord {
  readonly definition: DaemonTaskDefinition & {
    daemonTaskDefinitionArn: string;
    family: string;
    revision: number;
    status: DaemonTaskDefinitionStatus;
  };
  readonly tags: Tag[];
}

export interface DaemonRecord {
  readonly daemonArn: string;
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly daemonName: string;
  status: 'ACTIVE' | 'DELETE_IN_PROGRESS';
  readonly createdAt: Date;
  updatedAt: Date;
  /** The revision every instance should run, and the deployment that rolls it out. */
  revisionArn: string;
  deploymentArn: string;
  capacityProviderArns: string[];
  deploymentConfiguration?: DaemonDeploymentConfiguration;
  readonly tags: Tag[];
}

export type DaemonRevisionRecord = DaemonRevision & {
  daemonRevisionArn: string;
  daemonArn: string;
  daemonTaskDefinitionArn: string;
};

export type DaemonDeploymentRecord = DaemonDeployment & {
  daemonDeploymentArn: string;
  clusterArn: string;
  createdAt: Date;
  status: NonNullable<DaemonDeployment['status']>;
  readonly local: { readonly daemonArn: string; readonly revisionArn: string };
};

const ecsArn = (scope: Scope, resource: string) =>
  `arn:${arnPartition(scope.region)}:ecs:${scope.region}:${scope.accountId}:${resource}`;

export const daemonTaskDefinitionArn = (scope: Scope, family: string, revision: number) =>
  ecsArn(scope, `daemon-task-definition/${family}:${revision}`);
export const daemonArn = (scope: Scope, cluster: string, name: string) => ecsArn(scope, `daemon/${cluster}/${name}`);
export const daemonRevisionArn = (scope: Scope, cluster: string, name: string, id: string) =>
  ecsArn(scope, `daemon-revision/${cluster}/${name}/${id}`);
export const daemonDeploymentArn = (scope: Scope, cluster: string, name: string, id: string) =>
  ecsArn(scope, `daemon-deployment/${cluster}/${name}/${id}`);

/** The store key of an ECS ARN of `type` in this scope: everything after `<type>/`; undefined otherwise. */
export function keyOfScopedArn(arn: string, type: string, scope: Scope): string | undefined {
  const match = /^arn:[^:]+:ecs:([^:]*):([^:]*):([a-z-]+)\/(.+)$/.exec(arn);
  if (!match || match[3] !== type || match[1] !== scope.region || match[2] !== scope.accountId) return undefined;
  return match[4];
}

/** The `group` of a daemon's tasks. */
export const daemonGroup = (daemonName: string) => `daemon:${daemonName}`;

/** A daemon task definition in the shape the task runtime runs (bridge network, as on EC2). */
export function runnableDefinition(definition: DaemonTaskDefinitionRecord['definition']): TaskDefinition {
  return {
    taskDefinitionArn: definition.daemonTaskDefinitionArn,
    family: definition.family,
    revision: definition.revision,
    containerDefinitions: (definition.containerDefinitions ?? []).map((c) => ({
      ...c,
      essential: c.essential ?? true,
    })) as TaskDefinition['containerDefinitions'],
    volumes: (definition.volumes ?? []).map((v) => ({ name: v.name, host: v.host })),
    networkMode: 'bridge',
    cpu: definition.cpu,
    memory: definition.memory,
    taskRoleArn: definition.taskRoleArn,
    executionRoleArn: definition.executionRoleArn,
    status: 'ACTIVE',
    compatibilities: ['EC2'],
    requiresCompatibilities: [],
  };
}

/** A new 20-character id for revisions and deployments. */
export function newDaemonId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 20; i += 1) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}
