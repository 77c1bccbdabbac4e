import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Secret,
  type Task,
} from '@aws-sdk/client-ecs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { testCredentials } from '@localcloud/gateway/testing';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { isStopped, removePrefixContainers, shellContainer, waitForTask } from './support';

/** Every file below `dir`, read as text. */
function readTree(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    text += entry.isDirectory() ? readTree(file) : fs.readFileSync(file, 'latin1');
  }
  return text;
}

/**
 * Task `secrets` from SSM Parameter Store, through a real gateway process (ECS and SSM enabled, persistence
 * on, debug log with bodies) and real containers that write their environment to a bind-mounted file.
 */
describe('ECS task secrets from SSM Parameter Store', () => {
  const prefix = `lcsec${randomBytes(3).toString('hex')}`;
  // Values no other text could contain by chance, so finding one anywhere is a leak.
  const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
  const values = { plain: secret('plain'), secure: secret('secure'), v1: secret('v1'), v2: secret('v2') };
  const docker = new DockerodeBackend();
  let dataDir: string;
  let outDir: string;
  let gateway: GatewayProcess;
  let ecs: ECSClient;
  let ssm: SSMClient;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-secrets-data-'));
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-secrets-out-'));
    fs.chmodSync(outDir, 0o777);
    gateway = await startGatewayProcess(dataDir, {
      SERVICES: 'ecs,ssm',
      ECS_CONTAINER_PREFIX: prefix,
      DEBUG: '1',
      ECS_TASK_OUTPUT: 'console',
    });
    ecs = new ECSClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
    ssm = new SSMClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
    await ssm.send(new PutParameterCommand({ Name: '/app/plain', Value: values.plain, Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/app/secure', Value: values.secure, Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: '/app/rotated', Value: values.v1, Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: '/app/rotated', Value: values.v2, Overwrite: true }));
  });
  afterAll(async () => {
    ecs?.destroy();
    ssm?.destroy();
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  /** Runs a one-shot task whose container writes its environment to `<outDir>/<file>`; resolves when STOPPED. */
  async function runTask(family: string, secrets: Secret[], file: string): Promise<Task> {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        volumes: [{ name: 'out', host: { sourcePath: outDir } }],
        containerDefinitions: [
          shellContainer('app', `env > /out/${file}`, {
            secrets,
            environment: [{ name: 'PLAIN_ENV', value: 'not secret' }],
            mountPoints: [{ sourceVolume: 'out', containerPath: '/out' }],
          }),
        ],
      }),
    );
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: family, launchType: 'EC2' }));
    return waitForTask(ecs, tasks![0]!.taskArn!, isStopped);
  }

  function environmentIn(file: string): Record<string, string> {
    const text = fs.readFileSync(path.join(outDir, file), 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );
  }

  it('sets a String, a SecureString (by ARN) and a version of a parameter as environment variables', async () => {
    const task = await runTask(
      'ssm-secrets',
      [
        { name: 'DB_HOST', valueFrom: '/app/plain' },
        { name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/secure' },
        { name: 'OLD_TOKEN', valueFrom: '/app/rotated:1' },
        { name: 'TOKEN', valueFrom: '/app/rotated' },
      ],
      'ok.env',
    );
    expect(task.containers![0]).toMatchObject({ exitCode: 0 });
    expect(environmentIn('ok.env')).toMatchObject({
      DB_HOST: values.plain,
      DB_PASSWORD: values.secure,
      OLD_TOKEN: values.v1,
      TOKEN: values.v2,
      PLAIN_ENV: 'not secret',
    });
  });

  it('stops a task whose parameter is missing with ECS reason, naming the parameter', async () => {
    const task = await runTask(
      'ssm-missing',
      [
        { name: 'DB_HOST', valueFrom: '/app/plain' },
        { name: 'GONE', valueFrom: '/app/does-not-exist' },
        { name: 'NO_VERSION', valueFrom: '/app/rotated:7' },
      ],
      'missing.env',
    );
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
        'unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: ' +
        '/app/does-not-exist /app/rotated:7',
    );
    expect(task.containers![0]!.reason).toBe(task.stoppedReason);
    // The container never ran.
    expect(fs.existsSync(path.join(outDir, 'missing.env'))).toBe(false);
  });

  it('never lets a secret value reach DescribeTasks, the gateway log or the ECS data directory', async () => {
    const everything = Object.values(values);
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: 'ssm-secrets', launchType: 'EC2' }));
    await waitForTask(ecs, tasks![0]!.taskArn!, isStopped);
    const described = JSON.stringify(
      (await ecs.send(new DescribeTasksCommand({ tasks: [tasks![0]!.taskArn!] }))).tasks,
    );
    const ecsData = readTree(path.join(dataDir, 'ecs'));
    // The log at debug level with bodies: only the test's own PutParameter requests to SSM carry a value.
    const logLines = (gateway.stderr() + gateway.stdout())
      .split('\n')
      .filter((line) => everything.some((v) => line.includes(v)))
      .filter((line) => !(line.includes('PutParameter') && line.includes('ssm')));
    for (const value of everything) {
      expect(described).not.toContain(value);
      expect(ecsData).not.toContain(value);
    }
    expect(logLines).toEqual([]);
    // The check can fail: the values did reach the task (and SSM's own state).
    expect(fs.readFileSync(path.join(outDir, 'ok.env'), 'utf8')).toContain(values.secure);
    expect(readTree(path.join(dataDir, 'ssm'))).toContain(values.secure);
  });
});
