import type { Container, ManagedAgent, Task } from '@aws-sdk/client-ecs';

/** The agent ECS runs beside each container of a task started with `enableExecuteCommand`. */
export const EXECUTE_COMMAND_AGENT = 'ExecuteCommandAgent';

/**
 * The task with each container's `managedAgents` as DescribeTasks shows them: with execute command
 * enabled, ECS lists its `ExecuteCommandAgent`, PENDING until the container runs, RUNNING while it
 * runs (the AWS CLI's execute-command checks this) and STOPPED after. Derived on every read.
 */
export function withManagedAgents(task: Task): Task {
  if (!task.enableExecuteCommand || !task.containers) return task;
  return { ...task, containers: task.containers.map((container) => withAgent(container, task)) };
}

function withAgent(container: Container, task: Task): Container {
  const status =
    container.lastStatus === 'RUNNING' ? 'RUNNING' : container.lastStatus === 'STOPPED' ? 'STOPPED' : 'PENDING';
  const agent: ManagedAgent = { name: EXECUTE_COMMAND_AGENT, lastStatus: status };
  if (status !== 'PENDING' && task.startedAt) agent.lastStartedAt = task.startedAt;
  return { ...container, managedAgents: [agent] };
}
