import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';

/**
 * Reads until `predicate` holds on the value read (every `intervalMs`), and returns that value; fails after
 * `timeoutMs` with `what` and the last value seen (sets shown as arrays).
 */
export async function eventually<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  what: string,
  { timeoutMs = 60_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!predicate(last)) {
    if (Date.now() > deadline) {
      const shown = JSON.stringify(last, (_key, value: unknown) => (value instanceof Set ? [...value] : value));
      throw new Error(`never saw ${what}; last: ${shown}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await read();
  }
  return last;
}

/** The RUNNING tasks of a service (desired and last status). */
export async function runningTasksOf(ecs: ECSClient, cluster: string, serviceName: string): Promise<Task[]> {
  const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }));
  if (!taskArns?.length) return [];
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
  return tasks!.filter((t) => t.lastStatus === 'RUNNING');
}

/** A task's id: the last part of its ARN (its Cloud Map instance id). */
export const idOf = (task: Task) => task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1);
/** An awsvpc task's ENI address. */
export const ipOf = (task: Task) => task.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;
