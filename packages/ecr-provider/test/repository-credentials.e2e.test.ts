import { randomBytes } from 'node:crypto';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { testCredentials } from '@localcloud/gateway/testing';
import { removePrefixContainers, waitForTask } from '../../ecs-provider/test/support';
import { BasicAuthRegistry } from './basic-auth-registry';
import { DockerCli, describeWithRegistry, registryBinary, startEcrTestBed, type EcrTestBed } from './support';

/**
 * `repositoryCredentials`: a private registry's login in a Secrets Manager secret, read through the Secrets
 * Manager provider when the task starts and handed to the engine's pull, against a real registry with basic
 * auth holding an image pushed there with the docker CLI.
 */
describeWithRegistry('ECS tasks pulling from a private registry with repositoryCredentials', () => {
  let bed: EcrTestBed;
  let ecs: ECSClient;
  let logs: CloudWatchLogsClient;
  let asm: SecretsManagerClient;
  const id = randomBytes(3).toString('hex');
  const prefix = `lcrc${id}`;
  const registry = new BasicAuthRegistry(registryBinary ?? '', `user-${id}`, `pw-${id}`);
  const docker = new DockerCli();
  const backend = new DockerodeBackend();
  let image: string;
  const secretArns: Record<string, string> = {};

  beforeAll(async () => {
    await registry.start();
    bed = await startEcrTestBed({ ECS_CONTAINER_PREFIX: prefix }, 'ecs,ecr,logs,secretsmanager');
    const client = { endpoint: bed.gw.url, region: 'us-east-1', credentials: testCredentials() };
    ecs = new ECSClient(client);
    logs = new CloudWatchLogsClient(client);
    asm = new SecretsManagerClient(client);
    image = `${registry.host}/private/app-${id}:1`;
    await docker.buildImage(`lc-ecr-private/app-${id}:1`, `hello from a private registry ${id}\n`);
    await docker.tag(`lc-ecr-private/app-${id}:1`, image);
    await docker.ok(['login', '--username', registry.username, '--password-stdin', registry.host], registry.password);
    await docker.ok(['push', image]);
    // Gone from the engine (which never logged in): a task can only have it by pulling with the credentials.
    await docker.ok(['rmi', image]);
    const secret = async (name: string, value: string) => {
      const { ARN } = await asm.send(new CreateSecretCommand({ Name: `${name}-${id}`, SecretString: value }));
      secretArns[name] = ARN!;
    };
    await secret('good', JSON.stringify({ username: registry.username, password: registry.password }));
    await secret('wrong', JSON.stringify({ username: registry.username, password: 'not-the-password' }));
    await secret('no-password', JSON.stringify({ username: registry.username }));
  });
  afterAll(async () => {
    ecs?.destroy();
    logs?.destroy();
    asm?.destroy();
    await bed?.close();
    await removePrefixContainers(backend, prefix);
    await docker.cleanup();
    await backend.close();
    await registry.stop();
  });

  const run = async (family: string, credentialsParameter?: string): Promise<Task> => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        containerDefinitions: [
          {
            name: 'app',
            image,
            memory: 64,
            essential: true,
            ...(credentialsParameter ? { repositoryCredentials: { credentialsParameter } } : {}),
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': `/private/${id}`,
                'awslogs-region': 'us-east-1',
                'awslogs-stream-prefix': family,
                'awslogs-create-group': 'true',
              },
            },
          },
        ],
      }),
    );
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: family }));
    return waitForTask(ecs, tasks![0]!.taskArn!, (t) => t.lastStatus === 'STOPPED', { timeoutMs: 60_000 });
  };

  const expectPullRefused = (task: Task) => {
    expect(task.stopCode).toBe('TaskFailedToStart');
    const reason = task.containers![0]!.reason!;
    expect(reason).toMatch(new RegExp(`^CannotPullContainerError: pull image manifest has failed for ${image}: `));
    // The engine's words for the registry's 401.
    expect(reason).toMatch(/no basic auth credentials|unauthorized|authentication required/);
    expect(task.stoppedReason).toBe(reason);
  };

  // Before any task pulls it with credentials: afterwards the engine has the image.
  it('without repositoryCredentials the pull is refused, and the task stops naming the auth failure', async () => {
    expectPullRefused(await run(`private-none-${id}`));
  });

  it('with wrong credentials the pull is refused the same way', async () => {
    expectPullRefused(await run(`private-wrong-${id}`, secretArns.wrong));
  });

  it('with the secret holding the login, the task pulls the image and runs it', async () => {
    const task = await run(`private-good-${id}`, secretArns.good);
    expect(task.containers![0]).toMatchObject({ exitCode: 0, image });
    expect(task.containers![0]!.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { events } = await logs.send(
      new GetLogEventsCommand({
        logGroupName: `/private/${id}`,
        logStreamName: `private-good-${id}/app/${task.taskArn!.split('/').pop()}`,
        startFromHead: true,
      }),
    );
    expect(events!.map((e) => e.message)).toEqual([`hello from a private registry ${id}`]);
  });

  it('a secret named by its name in the task region works as its ARN does', async () => {
    const task = await run(`private-name-${id}`, `good-${id}`);
    expect(task.containers![0]).toMatchObject({ exitCode: 0 });
  });

  it('a missing secret stops the task with ResourceInitializationError, before any pull', async () => {
    const missing = `arn:aws:secretsmanager:us-east-1:000000000000:secret:gone-${id}-AbCdEf`;
    const task = await run(`private-missing-${id}`, missing);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
        'unable to retrieve secret from asm: service call has been retried 1 time(s): asm fetching secret from ' +
        `the service for ${missing}: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );
    expect(task.pullStartedAt).toBeUndefined();
  });

  it('a secret without a password stops the task with the agent reason', async () => {
    const task = await run(`private-malformed-${id}`, secretArns['no-password']);
    expect(task.stoppedReason).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
        'unable to retrieve secret from asm: asm fetching password: AuthorizationData is malformed, empty field',
    );
  });
});
