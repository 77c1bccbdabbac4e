import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { isStopped, removePrefixContainers, shellContainer, waitForTask } from './support';

describeWithEngine("task output on the gateway's console (the gateway as `npm start` runs it)", () => {
  const prefix = `lco${randomBytes(3).toString('hex')}`;
  const docker = new DockerodeBackend();
  let dataDir: string;
  let gateway: GatewayProcess;
  let ecs: ECSClient;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-task-output-'));
    // ECS_TASK_OUTPUT unset: the default.
    gateway = await startGatewayProcess(dataDir, { SERVICES: 'ecs,logs', ECS_CONTAINER_PREFIX: prefix });
    ecs = new ECSClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
    logs = new CloudWatchLogsClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
  });
  afterAll(async () => {
    ecs.destroy();
    logs.destroy();
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('names the URL to use and the address it listens on in its "ready" line', () => {
    expect(gateway.stderr()).toMatch(/localcloud ready on http:\/\/localhost:(\d+) \(listening on 127\.0\.0\.1:\1\)/);
  });

  it('prints each line as `<family>_<revision>_<container>_<task id, short> | <line>`, awslogs or not', async () => {
    const group = '/ecs/hello';
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'hello',
        networkMode: 'bridge',
        containerDefinitions: [
          shellContainer('hello', 'echo hi; echo there >&2', {
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': group, 'awslogs-stream-prefix': 'p', 'awslogs-create-group': 'true' },
            },
          }),
          shellContainer('plain', 'echo plain output', { essential: false }),
        ],
      }),
    );
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: 'hello', launchType: 'EC2' }));
    const taskArn = tasks![0]!.taskArn!;
    const taskId = taskArn.slice(taskArn.lastIndexOf('/') + 1);
    await waitForTask(ecs, taskArn, isStopped);

    const expected = [
      `hello_1_hello_${taskId.slice(0, 8)} | hi`,
      `hello_1_hello_${taskId.slice(0, 8)} | there`,
      `hello_1_plain_${taskId.slice(0, 8)} | plain output`,
    ];
    // The console is written asynchronously; the lines are there a moment after STOPPED at most.
    const printed = () => gateway.stdout().split('\n');
    for (let i = 0; i < 100 && !expected.every((line) => printed().includes(line)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(printed()).toEqual(expect.arrayContaining(expected));
    // The same lines still reach CloudWatch Logs: one follow of the container feeds both.
    const page = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: `p/hello/${taskId}`, startFromHead: true }),
    );
    expect(page.events?.map((e) => e.message).sort()).toEqual(['hi', 'there']);
  });
});
