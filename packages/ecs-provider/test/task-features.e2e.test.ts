import { randomBytes } from 'node:crypto';
import {
  DescribeTasksCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
  shellContainer,
} from './support';

describeWithEngine('ECS task features on a named network', () => {
  const network = `lcnet-${randomBytes(3).toString('hex')}`;
  let bed: EcsTestBed;

  beforeAll(async () => {
    // MAIN_DOCKER_NETWORK is LocalStack's name for the setting; localcloud honours it as an alias.
    bed = await startEcsTestBed({ MAIN_DOCKER_NETWORK: network, ECS_REMOVE_CONTAINERS: '0' });
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
    await bed.docker.removeNetwork(network);
    await bed.docker.close();
  });

  it('joins the configured network, where task containers reach each other by container name', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'named-server',
        networkMode: 'bridge',
        containerDefinitions: [shellContainer('echo-server', 'httpd -f -p 8080 -h /www')],
      }),
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'named-client',
        networkMode: 'bridge',
        containerDefinitions: [
          shellContainer('client', 'timeout 5 wget -qO- http://echo-server:8080/ | grep -q "hello from localcloud"'),
        ],
      }),
    );
    const server = (await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'named-server' }))).tasks![0]!;
    const running = await waitForTask(bed.ecs, server.taskArn!, isRunning);
    const info = await bed.docker.inspectContainer(running.containers![0]!.runtimeId!);
    expect(info.networks.map((n) => n.name)).toEqual([network]);

    let exitCode: number | undefined;
    for (let attempt = 0; attempt < 5 && exitCode !== 0; attempt++) {
      const client = (await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'named-client' }))).tasks![0]!;
      exitCode = (await waitForTask(bed.ecs, client.taskArn!, isStopped)).containers![0]!.exitCode;
    }
    expect(exitCode).toBe(0);
  });

  it('shares task-scoped volumes and volumesFrom between the containers of a task', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'volumes',
        networkMode: 'bridge',
        volumes: [{ name: 'scratch' }],
        containerDefinitions: [
          // Listed before the container it borrows volumes from: creation order follows volumesFrom.
          shellContainer('borrower', 'sleep 1; grep -q shared /scratch/file', {
            essential: false,
            volumesFrom: [{ sourceContainer: 'producer', readOnly: true }],
            dependsOn: [{ containerName: 'producer', condition: 'START' }],
          }),
          shellContainer('producer', 'echo shared > /scratch/file && sleep 300', {
            mountPoints: [{ sourceVolume: 'scratch', containerPath: '/scratch' }],
          }),
          shellContainer('consumer', 'grep -q shared /scratch/file', {
            essential: false,
            mountPoints: [{ sourceVolume: 'scratch', containerPath: '/scratch', readOnly: true }],
            dependsOn: [{ containerName: 'producer', condition: 'START' }],
          }),
        ],
      }),
    );
    const task = (await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'volumes' }))).tasks![0]!;
    const done = await waitForTask(bed.ecs, task.taskArn!, (t) =>
      ['consumer', 'borrower'].every((n) => t.containers?.find((c) => c.name === n)?.lastStatus === 'STOPPED'),
    );
    expect(done.containers!.find((c) => c.name === 'consumer')!.exitCode).toBe(0);
    expect(done.containers!.find((c) => c.name === 'borrower')!.exitCode).toBe(0);
    // Non-essential containers exiting do not stop the task.
    expect(done.lastStatus).toBe('RUNNING');
  });

  it('keeps stopped containers when ECS_REMOVE_CONTAINERS is off', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'kept', containerDefinitions: [shellContainer('app', 'exit 3')] }),
    );
    const task = (await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'kept' }))).tasks![0]!;
    const stopped = await waitForTask(bed.ecs, task.taskArn!, isStopped);
    expect(stopped.containers![0]!.exitCode).toBe(3);
    const info = await bed.docker.inspectContainer(stopped.containers![0]!.runtimeId!);
    expect(info.state.status).toBe('exited');
  });

  it('filters ListTasks, tags tasks, propagates task definition tags and returns tags only on request', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'tagged',
        containerDefinitions: [shellContainer('app', 'sleep 300')],
        tags: [{ key: 'team', value: 'blue' }],
      }),
    );
    const task = (
      await bed.ecs.send(
        new RunTaskCommand({
          taskDefinition: 'tagged',
          launchType: 'EC2',
          group: 'batch',
          propagateTags: 'TASK_DEFINITION',
          enableECSManagedTags: true,
          tags: [{ key: 'run', value: '1' }],
        }),
      )
    ).tasks![0]!;
    expect(task).toMatchObject({ launchType: 'EC2', group: 'batch' });
    await bed.ecs.send(new TagResourceCommand({ resourceArn: task.taskArn, tags: [{ key: 'extra', value: 'x' }] }));
    const tags = (await bed.ecs.send(new ListTagsForResourceCommand({ resourceArn: task.taskArn }))).tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'run', value: '1' },
        { key: 'team', value: 'blue' },
        { key: 'aws:ecs:clusterName', value: 'default' },
        { key: 'extra', value: 'x' },
      ]),
    );
    const plain = await bed.ecs.send(new DescribeTasksCommand({ tasks: [task.taskArn!] }));
    expect(plain.tasks![0]!.tags).toBeUndefined();
    const withTags = await bed.ecs.send(new DescribeTasksCommand({ tasks: [task.taskArn!], include: ['TAGS'] }));
    expect(withTags.tasks![0]!.tags).toHaveLength(4);

    expect((await bed.ecs.send(new ListTasksCommand({ family: 'tagged' }))).taskArns).toEqual([task.taskArn]);
    expect((await bed.ecs.send(new ListTasksCommand({ family: 'tagged', launchType: 'FARGATE' }))).taskArns).toEqual(
      [],
    );
    expect((await bed.ecs.send(new ListTasksCommand({ serviceName: 'nothing' }))).taskArns).toEqual([]);
    await expect(bed.ecs.send(new ListTasksCommand({ serviceName: 'a', startedBy: 'b' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('fails tasks whose secrets are missing or that need S3 environment files with a reason, instead of starting without them', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'secretive',
        containerDefinitions: [
          shellContainer('app', 'true', {
            secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/db' }],
          }),
        ],
      }),
    );
    const task = (await bed.ecs.send(new RunTaskCommand({ taskDefinition: 'secretive' }))).tasks![0]!;
    const stopped = await waitForTask(bed.ecs, task.taskArn!, isStopped);
    expect(stopped.stopCode).toBe('TaskFailedToStart');
    expect(stopped.stoppedReason).toMatch(/^ResourceInitializationError: unable to pull secrets.*parameter\/db/);

    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'envfiles', containerDefinitions: [shellContainer('app', 'true')] }),
    );
    const withFile = (
      await bed.ecs.send(
        new RunTaskCommand({
          taskDefinition: 'envfiles',
          overrides: {
            containerOverrides: [
              { name: 'app', environmentFiles: [{ type: 's3', value: 'arn:aws:s3:::bucket/app.env' }] },
            ],
          },
        }),
      )
    ).tasks![0]!;
    const failed = await waitForTask(bed.ecs, withFile.taskArn!, isStopped);
    expect(failed.stoppedReason).toMatch(/^ResourceInitializationError: failed to download env files.*bucket\/app.env/);
  });

  it('refuses what ECS refuses: a bad count, launch type with a strategy, an incompatible definition', async () => {
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'fargate-only',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [shellContainer('app', 'true')],
      }),
    );
    await expect(bed.ecs.send(new RunTaskCommand({ taskDefinition: 'fargate-only', count: 11 }))).rejects.toMatchObject(
      {
        name: 'InvalidParameterException',
      },
    );
    await expect(
      bed.ecs.send(
        new RunTaskCommand({
          taskDefinition: 'fargate-only',
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      bed.ecs.send(new RunTaskCommand({ taskDefinition: 'fargate-only', launchType: 'EC2' })),
    ).rejects.toMatchObject({
      name: 'ClientException',
      message: 'Task definition does not support launch_type EC2.',
    });
    await expect(bed.ecs.send(new RunTaskCommand({ taskDefinition: 'no-such-family' }))).rejects.toMatchObject({
      name: 'ClientException',
    });
    await expect(
      bed.ecs.send(new RunTaskCommand({ taskDefinition: 'fargate-only', cluster: 'nope' })),
    ).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
    });
  });
});
