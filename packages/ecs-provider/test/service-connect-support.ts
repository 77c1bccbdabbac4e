import type { Task } from '@aws-sdk/client-ecs';
import type { DockerodeBackend } from '@localcloud/docker-backend';

/** A Service Connect server container: an httpd answering `task <hostname>`, its port named `http`. */
export const SERVER_SCRIPT = (port: number) =>
  `echo "task $(hostname)" > /tmp/index.html && exec httpd -f -p ${port} -h /tmp`;

/** Runs `command` in a task's first container; its output. */
export async function outputIn(docker: DockerodeBackend, task: Task, command: string[]): Promise<string> {
  const process = await docker.execContainer(task.containers![0]!.runtimeId!, { command });
  let out = '';
  for await (const chunk of process.output) out += Buffer.from(chunk).toString();
  await process.exitCode();
  return out;
}

/** The distinct server answers (`task …`) of 20 calls to `url` from a client task; a failed call answers none. */
export async function answersFrom(docker: DockerodeBackend, client: Task, url: string): Promise<Set<string>> {
  const out = await outputIn(docker, client, ['sh', '-c', `for i in $(seq 1 20); do timeout 5 wget -qO- ${url}; done`]);
  return new Set(out.split('\n').filter((line) => line.startsWith('task ')));
}
