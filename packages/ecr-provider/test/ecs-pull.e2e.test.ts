import { randomBytes } from 'node:crypto';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRepositoryCommand, DescribeImagesCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { testCredentials } from '@localcloud/gateway/testing';
import { removePrefixContainers, waitForTask } from '../../ecs-provider/test/support';
import { DockerCli, describeWithRegistry, startEcrTestBed, type EcrTestBed } from './support';

/** Unmodified task definitions naming ECR URIs run from the local registry, pulled with an ECR token. */
describeWithRegistry('ECS tasks with ECR images', () => {
  let bed: EcrTestBed;
  let ecs: ECSClient;
  let logs: CloudWatchLogsClient;
  const docker = new DockerCli();
  const backend = new DockerodeBackend();
  const id = randomBytes(3).toString('hex');
  const prefix = `lcecr${id}`;
  const repositoryName = `app-${id}`;
  const ecrUri = `000000000000.dkr.ecr.us-east-1.amazonaws.com/${repositoryName}`;
  let digest: string;

  beforeAll(async () => {
    bed = await startEcrTestBed({ ECS_CONTAINER_PREFIX: prefix }, 'ecs,ecr,logs');
    ecs = new ECSClient({ endpoint: bed.gw.url, region: 'us-east-1', credentials: testCredentials() });
    logs = new CloudWatchLogsClient({ endpoint: bed.gw.url, region: 'us-east-1', credentials: testCredentials() });
    await docker.buildImage(`lc-ecr-ecs/app-${id}:1`, `hello from ECR ${id}\n`);
    const { repository } = await bed.ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').slice(4);
    await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], password);
    const local = `${repository!.repositoryUri}:1.4.2`;
    await docker.tag(`lc-ecr-ecs/app-${id}:1`, local);
    digest = /digest: (sha256:[0-9a-f]{64})/.exec(await docker.ok(['push', local]))![1]!;
    // Gone from the engine: the task must pull it from the registry, with the token ECS passes the engine
    // (the engine itself never logged in: only the docker CLI's own config folder has the login).
    await docker.ok(['rmi', local]);
  });
  afterAll(async () => {
    ecs?.destroy();
    logs?.destroy();
    await bed?.close();
    await removePrefixContainers(backend, prefix);
    await docker.cleanup();
    await backend.close();
  });

  const run = async (family: string, image: string) => {
    docker.track(
      image.replace(/^000000000000\.dkr\.ecr\.us-east-1\.amazonaws\.com/, `${bed.registryHost}/000000000000/us-east-1`),
    );
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        containerDefinitions: [
          {
            name: 'app',
            image,
            memory: 64,
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': `/ecr/${id}`,
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

  it('runs an ECR URI by tag: the output is the pushed image, imageDigest the registry digest', async () => {
    const task = await run(`ecr-tag-${id}`, `${ecrUri}:1.4.2`);
    expect(task.containers![0]).toMatchObject({ exitCode: 0, image: `${ecrUri}:1.4.2`, imageDigest: digest });
    const taskId = task.taskArn!.split('/').pop();
    const { events } = await logs.send(
      new GetLogEventsCommand({
        logGroupName: `/ecr/${id}`,
        logStreamName: `ecr-tag-${id}/app/${taskId}`,
        startFromHead: true,
      }),
    );
    expect(events!.map((e) => e.message)).toEqual([`hello from ECR ${id}`]);
    const { imageDetails } = await bed.ecr.send(new DescribeImagesCommand({ repositoryName }));
    expect(imageDetails![0]!.imageDigest).toBe(task.containers![0]!.imageDigest);
  });

  it('runs an ECR URI by digest', async () => {
    const task = await run(`ecr-digest-${id}`, `${ecrUri}@${digest}`);
    expect(task.containers![0]).toMatchObject({ exitCode: 0, imageDigest: digest });
  });

  it('stops a task whose tag is missing with CannotPullContainerError naming the reason', async () => {
    const task = await run(`ecr-missing-tag-${id}`, `${ecrUri}:missing`);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.containers![0]!.reason).toMatch(/^CannotPullContainerError: /);
    expect(task.containers![0]!.reason).toContain(
      `the image tag 'missing' does not exist within the repository with name '${repositoryName}' in the registry with id '000000000000'`,
    );
  });

  it('stops a task whose repository is missing with the repository in the reason', async () => {
    const task = await run(`ecr-missing-repo-${id}`, `000000000000.dkr.ecr.us-east-1.amazonaws.com/nothing-${id}:1`);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.containers![0]!.reason).toMatch(/^CannotPullContainerError: /);
    expect(task.containers![0]!.reason).toContain(
      `The repository with name 'nothing-${id}' does not exist in the registry with id '000000000000'`,
    );
  });
});
