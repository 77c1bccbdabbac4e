import { randomBytes } from 'node:crypto';
import { DescribeTasksCommand, ECSClient, type ContainerDefinition, type Task } from '@aws-sdk/client-ecs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { TEST_IMAGE } from '@localcloud/docker-backend/testing';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';

export { TEST_IMAGE };

/** An ECS gateway for container tests: its own container prefix, so suites never touch each other's containers. */
export interface EcsTestBed {
  readonly gw: TestGateway;
  readonly ecs: ECSClient;
  readonly prefix: string;
  readonly docker: DockerodeBackend;
  close(): Promise<void>;
}

export async function startEcsTestBed(env: Record<string, string> = {}, prefix?: string): Promise<EcsTestBed> {
  const containerPrefix = prefix ?? `lct${randomBytes(3).toString('hex')}`;
  const gw = await startTestGateway({
    env: { SERVICES: 'ecs', ECS_CONTAINER_PREFIX: containerPrefix, ...env },
  });
  const ecs = new ECSClient({ endpoint: gw.url, region: 'us-east-1', credentials: testCredentials() });
  const docker = new DockerodeBackend();
  return {
    gw,
    ecs,
    prefix: containerPrefix,
    docker,
    async close() {
      ecs.destroy();
      await gw.close();
      await docker.close();
    },
  };
}

/** Removes every container a test bed's prefix started (after the gateway is closed). */
export async function removePrefixContainers(docker: DockerodeBackend, prefix: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, labels: { 'localcloud.ecs.managed': prefix } });
  await Promise.all(containers.map((c) => docker.removeContainer(c.id, { force: true, removeVolumes: true })));
}

/** Polls DescribeTasks until `predicate` holds; fails with the last state seen. */
export async function waitForTask(
  ecs: ECSClient,
  taskArn: string,
  predicate: (task: Task) => boolean,
  { cluster, timeoutMs = 30_000 }: { cluster?: string; timeoutMs?: number } = {},
): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  let last: Task | undefined;
  while (Date.now() < deadline) {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    last = tasks?.[0];
    if (last && predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`task did not reach the expected state; last seen: ${JSON.stringify(last, null, 2)}`);
}

export const isStopped = (task: Task) => task.lastStatus === 'STOPPED';
export const isRunning = (task: Task) => task.lastStatus === 'RUNNING';

/**
 * A busybox container definition running `command` under `sh -c`. ECS wants memory on each container;
 * busybox sh as PID 1 ignores SIGTERM, so the stop timeout before SIGKILL is kept short.
 */
export const shellContainer = (
  name: string,
  command: string,
  extra: Partial<ContainerDefinition> = {},
): ContainerDefinition => ({
  name,
  image: TEST_IMAGE,
  command: ['sh', '-c', command],
  memory: 64,
  stopTimeout: 2,
  ...extra,
});
