import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { TaskRef } from './task-record';

/**
 * What the task runtime lets other parts of the provider do at points of a task's life (the awslogs
 * driver, the metadata and credentials endpoints), so the runtime itself stays about containers.
 */
export interface TaskHooks {
  /** Before the containers are planned: environment to add, per ECS container name. */
  prepare(ref: TaskRef, definition: TaskDefinition): Record<string, Record<string, string>>;
  /** Before any container is created; throws a `TaskStartError` to fail the task with its reason. */
  beforeCreate(ref: TaskRef, definition: TaskDefinition): Promise<void>;
  /**
   * The Docker network the task's containers join exists (it may be new), before any of them is created.
   * Returns the DNS servers the containers get (the local DNS where it serves that network), if any.
   */
  networkReady(ref: TaskRef, network: string): Promise<readonly string[] | void>;
  /**
   * Right before a container is started, once per start (not for the network holder): e.g. attach to its
   * output so that nothing it writes is missed. A failure here does not stop the start.
   */
  beforeStart?(ref: TaskRef, runtimeId: string, containerName: string): Promise<void>;
  /** Right after a container started (`containerName` absent: the task's network holder). */
  started(ref: TaskRef, runtimeId: string, containerName?: string): Promise<void>;
  /**
   * A container of a task re-adopted after a gateway restart, running or exited meanwhile: pick up where
   * the last run left off.
   */
  resumed(ref: TaskRef, runtimeId: string, containerName: string): void;
  /** Before the task is marked STOPPED, once its containers have stopped: e.g. deliver the last log lines. */
  beforeStopped(ref: TaskRef): Promise<void>;
}
