import type { Container, Tag, Task } from '@aws-sdk/client-ecs';
import type { PlannedVolume } from './container-plan';
import type { TaskAgentState } from '../task-agent/task-agent-state';
import type { TaskProtection } from '../domain/task-protection';
import type { TaskHoldings } from '../registration/task-holdings';
import { reusableJson } from '@localcloud/gateway';
import { withManagedAgents } from '../exec/managed-agents';

/** How one ECS container of a task maps to Docker. */
export interface RuntimeContainer {
  readonly name: string;
  readonly dockerName: string;
  readonly essential: boolean;
  readonly dependsOn: readonly { readonly containerName: string; readonly condition: string }[];
  readonly stopTimeoutSeconds: number;
  readonly hasHealthCheck: boolean;
  runtimeId?: string;
}

/** The Docker side of a task, kept with it so a restarted gateway can find and stop what it started. */
export interface TaskRuntimeState {
  readonly containers: RuntimeContainer[];
  networkHolder?: { readonly name: string; runtimeId?: string };
  readonly volumes: readonly PlannedVolume[];
  /** Metadata and credentials endpoint tokens and log routing (`src/task-agent.ts`). */
  agent?: TaskAgentState;
}

/**
 * A task as stored: the ECS shape clients see, plus its owner and its Docker side (`runtime`), which
 * `toTask` strips before a task leaves the provider.
 */
export type TaskRecord = Task & {
  taskArn: string;
  clusterArn: string;
  tags?: Tag[];
  accountId: string;
  region: string;
  runtime?: TaskRuntimeState;
  /** Scale-in protection (UpdateTaskProtection, the agent endpoint); read by `isProtected`. */
  protection?: TaskProtection;
  /** Set while the task's container instance is DRAINING: the scheduler replaces such service tasks. */
  containerInstanceDraining?: boolean;
  /** What the Cloud Map and target registrars may have registered the task in (registration/task-holdings.ts). */
  holdings?: TaskHoldings;
};

export interface TaskRef {
  readonly accountId: string;
  readonly region: string;
  readonly taskArn: string;
}

/** Where the runtime reads and writes tasks; the provider backs it with the durable store. */
export interface TaskRepository {
  get(ref: TaskRef): TaskRecord | undefined;
  put(record: TaskRecord): void;
  /** Resolves once every change so far is durable: a record must be, before the containers it names exist. */
  durable(): Promise<void>;
  /** Every task not yet STOPPED, in any account and region. */
  unfinished(): TaskRecord[];
}

export const refOf = (record: TaskRecord): TaskRef => ({
  accountId: record.accountId,
  region: record.region,
  taskArn: record.taskArn,
});

/** The task as the ECS API shows it. */
export function toTask(record: TaskRecord): Task {
  const {
    accountId: _a,
    region: _r,
    runtime: _rt,
    protection: _p,
    containerInstanceDraining: _d,
    holdings: _h,
    ...task
  } = record;
  return withManagedAgents(task);
}

const descriptions = new WeakMap<TaskRecord, { withTags?: Task; withoutTags?: Task }>();

/**
 * The task as DescribeTasks shows it (tags only when asked for), made once per stored version of the
 * task: a stored record never changes (a change stores a new one), so its description, and the JSON
 * text the edge writes for it (`reusableJson`), serve every DescribeTasks until the task changes.
 */
export function describedTask(record: TaskRecord, withTags: boolean): Task {
  let entry = descriptions.get(record);
  if (!entry) {
    entry = {};
    descriptions.set(record, entry);
  }
  const key = withTags ? 'withTags' : 'withoutTags';
  let task = entry[key];
  if (!task) {
    task = toTask(record);
    if (!withTags) delete task.tags;
    entry[key] = task = reusableJson(task);
  }
  return task;
}

export function containerOf(record: TaskRecord, name: string): Container | undefined {
  return record.containers?.find((c) => c.name === name);
}

/** The last segment of a task ARN. */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}
