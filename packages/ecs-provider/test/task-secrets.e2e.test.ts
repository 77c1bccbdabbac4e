import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type ContainerDefinition,
  type Secret,
  type Task,
} from '@aws-sdk/client-ecs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
 * Task `secrets` from SSM Parameter Store and Secrets Manager, through a real gateway process (ECS and SSM enabled, persistence
 * on, debug log with bodies) and real containers that write their environment to a bind-mounted file.
 */
describe('ECS task secrets from SSM Parameter Store and Secrets Manager', () => {
  const prefix = `lcsec${randomBytes(3).toString('hex')}`;
  // Values no other text could contain by chance, so finding one anywhere is a leak.
  const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
  const values = {
    plain: secret('plain'),
    secure: secret('secure'),
    v1: secret('v1'),
    v2: secret('v2'),
    dbOld: secret('db-old'),
    dbNew: secret('db-new'),
    whole: secret('whole'),
  };
  const docker = new DockerodeBackend();
  let dataDir: string;
  let outDir: string;
  let gateway: GatewayProcess;
  let ecs: ECSClient;
  let ssm: SSMClient;
  let sm: SecretsManagerClient;
  let dbSecretArn: string;
  let wholeSecretArn: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-secrets-data-'));
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-secrets-out-'));
    fs.chmodSync(outDir, 0o777);
    gateway = await startGatewayProcess(dataDir, {
      SERVICES: 'ecs,ssm,secretsmanager',
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
    sm = new SecretsManagerClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
    const db = await sm.send(
      new CreateSecretCommand({
        Name: 'prod/db',
        SecretString: JSON.stringify({ user: 'app', password: values.dbOld }),
      }),
    );
    dbSecretArn = db.ARN!;
    // The new value becomes AWSCURRENT; the first one AWSPREVIOUS.
    await sm.send(
      new PutSecretValueCommand({
        SecretId: 'prod/db',
        SecretString: JSON.stringify({ user: 'app', password: values.dbNew }),
      }),
    );
    wholeSecretArn = (await sm.send(new CreateSecretCommand({ Name: 'api-key', SecretString: values.whole }))).ARN!;
  });
  afterAll(async () => {
    ecs?.destroy();
    ssm?.destroy();
    sm?.destroy();
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
  async function runTask(
    family: string,
    secrets: Secret[],
    file: string,
    extra: Partial<ContainerDefinition> = {},
  ): Promise<Task> {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        volumes: [{ name: 'out', host: { sourcePath: outDir } }],
        containerDefinitions: [
          shellContainer('app', `env > /out/${file}`, {
            secrets,
            environment: [{ name: 'PLAIN_ENV', value: 'not secret' }],
            mountPoints: [{ sourceVolume: 'out', containerPath: '/out' }],
            ...extra,
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

  it('sets a whole secret, a JSON key of a secret and a JSON key of its AWSPREVIOUS stage', async () => {
    expect(dbSecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/db-[A-Za-z0-9]{6}$/);
    const task = await runTask(
      'asm-secrets',
      [
        { name: 'API_KEY', valueFrom: wholeSecretArn },
        { name: 'DB_PASSWORD', valueFrom: `${dbSecretArn}:password::` },
        { name: 'DB_USER', valueFrom: `${dbSecretArn}:user::` },
        { name: 'DB_PASSWORD_OLD', valueFrom: `${dbSecretArn}:password:AWSPREVIOUS:` },
        { name: 'DB_HOST', valueFrom: '/app/plain' },
      ],
      'asm.env',
    );
    expect(task.containers![0]).toMatchObject({ exitCode: 0 });
    expect(environmentIn('asm.env')).toMatchObject({
      API_KEY: values.whole,
      DB_PASSWORD: values.dbNew,
      DB_USER: 'app',
      DB_PASSWORD_OLD: values.dbOld,
      DB_HOST: values.plain,
    });
  });

  it('stops a task whose secret has no such JSON key, or no such secret, naming it', async () => {
    const noKey = await runTask('asm-no-key', [{ name: 'X', valueFrom: `${dbSecretArn}:token::` }], 'no-key.env');
    expect(noKey.stopCode).toBe('TaskFailedToStart');
    expect(noKey.stoppedReason).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
        'unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key token',
    );
    const gone = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gone-AbCdEf';
    const noSecret = await runTask('asm-no-secret', [{ name: 'X', valueFrom: `${gone}:password::` }], 'no-secret.env');
    expect(noSecret.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: .*failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:gone-AbCdEf from secrets manager: ResourceNotFoundException/,
    );
    const noStage = await runTask(
      'asm-no-stage',
      [{ name: 'X', valueFrom: `${dbSecretArn}:password:AWSPENDING:` }],
      'no-stage.env',
    );
    expect(noStage.stoppedReason).toContain(
      `failed to fetch secret ${dbSecretArn} from secrets manager: ResourceNotFoundException`,
    );
    for (const file of ['no-key.env', 'no-secret.env', 'no-stage.env'])
      expect(fs.existsSync(path.join(outDir, file))).toBe(false);
  });

  it('resolves logConfiguration.secretOptions the same way: a missing one stops the task', async () => {
    const logging = (valueFrom: string): Partial<ContainerDefinition> => ({
      logConfiguration: { logDriver: 'json-file', options: {}, secretOptions: [{ name: 'token', valueFrom }] },
    });
    const ok = await runTask('log-secret', [], 'log-ok.env', logging('/app/secure'));
    expect(ok.containers![0]).toMatchObject({ exitCode: 0 });
    const missing = await runTask('log-secret-missing', [], 'log-missing.env', logging('/app/no-token'));
    expect(missing.stoppedReason).toMatch(
      /unable to pull secrets or registry auth: .*invalid ssm parameters: \/app\/no-token$/,
    );
    expect(fs.existsSync(path.join(outDir, 'log-missing.env'))).toBe(false);
  });

  it('never lets a secret value reach DescribeTasks, the gateway log or the ECS data directory', async () => {
    const everything = Object.values(values);
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: 'ssm-secrets', launchType: 'EC2' }));
    await waitForTask(ecs, tasks![0]!.taskArn!, isStopped);
    const described = JSON.stringify(
      (await ecs.send(new DescribeTasksCommand({ tasks: [tasks![0]!.taskArn!] }))).tasks,
    );
    const ecsData = readTree(path.join(dataDir, 'ecs'));
    // The log at debug level with bodies, the test's own PutParameter and CreateSecret requests included
    // (SSM and Secrets Manager redact the values their models mark sensitive).
    const log = gateway.stderr() + gateway.stdout();
    const logLines = log.split('\n').filter((line) => everything.some((v) => line.includes(v)));
    expect(log).toContain('PutParameter');
    expect(log).toContain('*** sensitive ***');
    for (const value of everything) {
      expect(described).not.toContain(value);
      expect(ecsData).not.toContain(value);
    }
    expect(logLines).toEqual([]);
    // The check can fail: the values did reach the task (and SSM's own state).
    expect(fs.readFileSync(path.join(outDir, 'ok.env'), 'utf8')).toContain(values.secure);
    expect(readTree(path.join(dataDir, 'ssm'))).toContain(values.secure);
    expect(fs.readFileSync(path.join(outDir, 'asm.env'), 'utf8')).toContain(values.dbNew);
  });
});
