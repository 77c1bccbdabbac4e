import { randomUUID } from 'node:crypto';
import type { ServiceEvent } from '@aws-sdk/client-ecs';
import { MAX_SERVICE_EVENTS } from '../domain/service';
import { taskIdOf } from '../runtime/task-record';

/**
 * Service event messages in ECS's own wording, so what people grep for in the console or CLI output
 * (`aws ecs describe-services --query services[0].events`) reads the same locally.
 */
export const serviceEventMessages = {
  startedTasks: (service: string, taskArns: readonly string[]) =>
    `(service ${service}) has started ${taskArns.length} tasks: ${taskList(taskArns)}.`,
  stoppedTasks: (service: string, taskArns: readonly string[]) =>
    `(service ${service}) has stopped ${taskArns.length} running tasks: ${taskList(taskArns)}.`,
  steadyState: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment completed.`,
  deploymentFailed: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deploymentId: string) =>
    `(service ${service}) rolling back to deployment ${deploymentId}.`,
  unhealthyTask: (service: string, taskArn: string) =>
    `(service ${service}) (task ${taskIdOf(taskArn)}) failed container health checks.`,
  failedElbHealthChecks: (service: string, taskArn: string, targetGroupArn: string) =>
    `(service ${service}) (task ${taskIdOf(taskArn)}) failed ELB health checks in (target-group ${targetGroupArn}).`,
  cannotStart: (service: string) =>
    `(service ${service}) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
  draining: (service: string) => `(service ${service}) has begun draining.`,
} as const;

function taskList(taskArns: readonly string[]): string {
  return taskArns.map((arn) => `(task ${taskIdOf(arn)})`).join(' ');
}

/** Prepends new events (newest first) and keeps ECS's bound of 100. */
export function withEvents(
  existing: readonly ServiceEvent[] | undefined,
  messages: readonly string[],
  now = new Date(),
): ServiceEvent[] {
  const added = [...messages].reverse().map((message) => ({ id: randomUUID(), createdAt: now, message }));
  return [...added, ...(existing ?? [])].slice(0, MAX_SERVICE_EVENTS);
}
