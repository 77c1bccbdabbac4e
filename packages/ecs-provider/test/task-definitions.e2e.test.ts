import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { ControlPlane, arnPrefix, errorOf } from './ecs-test-client';

const web: ContainerDefinition = { name: 'web', image: 'nginx:latest', memory: 128 };
const register = (ecs: ECSClient, input: Partial<RegisterTaskDefinitionCommandInput> & { family: string }) =>
  ecs.send(new RegisterTaskDefinitionCommand({ containerDefinitions: [web], ...input }));

describe('ECS task definitions through the AWS SDK', () => {
  let cp: ControlPlane;
  let ecs: ECSClient;

  beforeAll(async () => {
    cp = await ControlPlane.start();
    ecs = cp.client();
  });
  afterAll(() => cp.close());

  it('registers a revision with the defaults ECS fills in and every field kept', async () => {
    const before = Date.now();
    const container: ContainerDefinition = {
      name: 'app',
      image: 'busybox',
      memoryReservation: 64,
      command: ['sh', '-c', 'sleep 1'],
      entryPoint: ['/bin/sh'],
      environment: [{ name: 'A', value: '1' }],
      secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/x' }],
      portMappings: [{ containerPort: 8080, name: 'http', appProtocol: 'http' }],
      healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5, retries: 2 },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
      dockerLabels: { team: 'blue' },
      ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 2048 }],
      linuxParameters: { initProcessEnabled: true, tmpfs: [{ containerPath: '/tmp', size: 64 }] },
      stopTimeout: 10,
      workingDirectory: '/srv',
      user: '1000',
      readonlyRootFilesystem: true,
      extraHosts: [{ hostname: 'db', ipAddress: '10.0.0.1' }],
    };
    const { taskDefinition, tags } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'full',
        taskRoleArn: 'arn:aws:iam::000000000000:role/task',
        executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
        containerDefinitions: [container],
        volumes: [{ name: 'data', host: { sourcePath: '/data' } }],
        tags: [{ key: 'env', value: 'dev' }],
      }),
    );
    expect(taskDefinition).toMatchObject({
      taskDefinitionArn: `${arnPrefix}:task-definition/full:1`,
      family: 'full',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'bridge',
      taskRoleArn: 'arn:aws:iam::000000000000:role/task',
      executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
      volumes: [{ name: 'data', host: { sourcePath: '/data' } }],
      placementConstraints: [],
      compatibilities: ['EC2'],
      registeredBy: 'arn:aws:iam::000000000000:root',
    });
    expect(taskDefinition!.registeredAt!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(taskDefinition!.containerDefinitions).toEqual([
      {
        ...container,
        cpu: 0,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp', name: 'http', appProtocol: 'http' }],
        mountPoints: [],
        volumesFrom: [],
        systemControls: [],
      },
    ]);
    expect(taskDefinition!.requiresAttributes).toEqual(
      expect.arrayContaining([
        { name: 'com.amazonaws.ecs.capability.task-iam-role' },
        { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
        { name: 'ecs.capability.execution-role-awslogs' },
        { name: 'ecs.capability.container-health-check' },
        { name: 'ecs.capability.secrets.ssm.environment-variables' },
      ]),
    );
    expect(tags).toEqual([{ key: 'env', value: 'dev' }]);

    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'full:1' }));
    expect(described.taskDefinition).toEqual(taskDefinition);
    expect(described.tags).toBeUndefined();
    const withTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'full', include: ['TAGS'] }));
    expect(withTags.tags).toEqual([{ key: 'env', value: 'dev' }]);
  });

  it('registers a Fargate task definition with awsvpc ports and normalised cpu/memory', async () => {
    const { taskDefinition } = await register(ecs, {
      family: 'fargate',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '.5 vCPU',
      memory: '1 GB',
      containerDefinitions: [{ name: 'web', image: 'nginx', portMappings: [{ containerPort: 80 }] }],
    });
    expect(taskDefinition).toMatchObject({
      cpu: '512',
      memory: '1024',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      compatibilities: ['EC2', 'FARGATE'],
    });
    expect(taskDefinition!.containerDefinitions![0]!.portMappings).toEqual([
      { containerPort: 80, hostPort: 80, protocol: 'tcp' },
    ]);
    expect(taskDefinition!.requiresAttributes).toContainEqual({ name: 'ecs.capability.task-eni' });
  });

  it('numbers revisions per family and resolves family, family:revision and ARN', async () => {
    for (let i = 0; i < 3; i += 1) await register(ecs, { family: 'rev' });
    await register(ecs, { family: 'other' });
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'rev' }));
    expect(latest.taskDefinition!.revision).toBe(3);
    const second = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: `${arnPrefix}:task-definition/rev:2` }),
    );
    expect(second.taskDefinition!.revision).toBe(2);
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'other' }))).taskDefinition!.revision,
    ).toBe(1);
  });

  it('refuses a task definition larger than 64 KiB as ECS does, and registers one just under', async () => {
    // One environment value sized so that the definition's JSON (without its tags) is `bytes` long.
    const sized = (family: string, bytes: number) => {
      const input = { family, containerDefinitions: [{ ...web, environment: [{ name: 'BIG', value: '' }] }] };
      input.containerDefinitions[0]!.environment[0]!.value = 'x'.repeat(bytes - JSON.stringify(input).length);
      return input;
    };
    // localcloud does not count the tags (how ECS counts is not documented): 65,536 bytes with tags beside are taken.
    const atLimit = { ...sized('size-ok', 65_536), tags: [{ key: 'k', value: 'v'.repeat(200) }] };
    expect((await ecs.send(new RegisterTaskDefinitionCommand(atLimit))).taskDefinition?.revision).toBe(1);
    expect(await errorOf(ecs.send(new RegisterTaskDefinitionCommand(sized('size-over', 65_537))))).toMatchObject({
      name: 'ClientException',
      message: "Actual length: '65537'. Max allowed length is '65536' bytes.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(await errorOf(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'size-over' })))).toMatchObject({
      name: 'ClientException',
    });
  });

  it('answers ClientException for a task definition that does not exist', async () => {
    for (const taskDefinition of [
      'nope',
      'rev:99',
      `${arnPrefix}:task-definition/nope:1`,
      'arn:aws:ecs:us-east-1:999999999999:task-definition/rev:1',
    ]) {
      expect(await errorOf(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })))).toMatchObject({
        name: 'ClientException',
        message: 'Unable to describe task definition.',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('deregisters (INACTIVE, still describable, latest ACTIVE moves back) and requires a revision', async () => {
    await register(ecs, { family: 'dereg' });
    await register(ecs, { family: 'dereg' });
    const { taskDefinition } = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'dereg:2' }));
    expect(taskDefinition).toMatchObject({ revision: 2, status: 'INACTIVE' });
    expect(taskDefinition!.deregisteredAt).toBeInstanceOf(Date);
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'dereg:2' }))).taskDefinition!.status,
    ).toBe('INACTIVE');
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'dereg' }))).taskDefinition!.revision,
    ).toBe(1);
    const bare = await errorOf(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'dereg' })));
    expect(bare).toMatchObject({ name: 'ClientException', $metadata: { httpStatusCode: 400 } });
    const missing = await errorOf(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'dereg:9' })));
    expect(missing).toMatchObject({
      name: 'ClientException',
      message: 'The specified task definition does not exist.',
    });
    // A new registration continues the numbering.
    expect((await register(ecs, { family: 'dereg' })).taskDefinition!.revision).toBe(3);
  });

  it('deletes only INACTIVE revisions, reporting failures per ARN', async () => {
    await register(ecs, { family: 'del' });
    await register(ecs, { family: 'del' });
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'del:1' }));
    const result = await ecs.send(
      new DeleteTaskDefinitionsCommand({
        taskDefinitions: ['del:1', `${arnPrefix}:task-definition/del:2`, 'del:7', 'del'],
      }),
    );
    expect(result.taskDefinitions!.map((t) => [t.taskDefinitionArn, t.status])).toEqual([
      [`${arnPrefix}:task-definition/del:1`, 'DELETE_IN_PROGRESS'],
    ]);
    expect(result.failures!.map((f) => f.arn)).toEqual([
      `${arnPrefix}:task-definition/del:2`,
      `${arnPrefix}:task-definition/del:7`,
      'del',
    ]);
    expect(result.failures![0]!.reason).toMatch(/ACTIVE/);
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'del:1' }))).taskDefinition!.status,
    ).toBe('DELETE_IN_PROGRESS');
    const listed = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'del', status: 'DELETE_IN_PROGRESS' }),
    );
    expect(listed.taskDefinitionArns).toEqual([`${arnPrefix}:task-definition/del:1`]);
    const tooMany = await errorOf(
      ecs.send(
        new DeleteTaskDefinitionsCommand({ taskDefinitions: Array.from({ length: 11 }, (_, i) => `del:${i + 1}`) }),
      ),
    );
    expect(tooMany.name).toBe('InvalidParameterException');
  });

  it('lists task definitions by family, status and sort order, over several pages', async () => {
    const client = cp.client('200000000001');
    for (let i = 0; i < 12; i += 1) await register(client, { family: 'pages' });
    await register(client, { family: 'aaa' });
    await register(client, { family: 'pages-two' });
    await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'pages:5' }));
    const arn = (family: string, revision: number) =>
      `arn:aws:ecs:us-east-1:200000000001:task-definition/${family}:${revision}`;

    const collect = async (input: { familyPrefix?: string; status?: 'ACTIVE' | 'INACTIVE'; sort?: 'ASC' | 'DESC' }) => {
      const arns: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListTaskDefinitionsCommand({ ...input, maxResults: 5, nextToken }));
        arns.push(...page.taskDefinitionArns!);
        nextToken = page.nextToken;
        pages += 1;
      } while (nextToken);
      return { arns, pages };
    };
    const all = await collect({});
    expect(all.pages).toBe(3);
    expect(all.arns).toEqual([
      arn('aaa', 1),
      ...[1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12].map((r) => arn('pages', r)),
      arn('pages-two', 1),
    ]);
    const family = await collect({ familyPrefix: 'pages', sort: 'DESC' });
    expect(family.arns).toEqual([12, 11, 10, 9, 8, 7, 6, 4, 3, 2, 1].map((r) => arn('pages', r)));
    expect((await collect({ status: 'INACTIVE' })).arns).toEqual([arn('pages', 5)]);
    const desc = await client.send(new ListTaskDefinitionsCommand({ sort: 'DESC', maxResults: 2 }));
    expect(desc.taskDefinitionArns).toEqual([arn('pages-two', 1), arn('pages', 12)]);
  });

  it('lists task definition families by prefix and status', async () => {
    const client = cp.client('200000000002');
    for (const family of ['api', 'api-worker', 'batch', 'old']) await register(client, { family });
    await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'old:1' }));
    expect((await client.send(new ListTaskDefinitionFamiliesCommand({}))).families).toEqual([
      'api',
      'api-worker',
      'batch',
      'old',
    ]);
    expect((await client.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'api' }))).families).toEqual([
      'api',
      'api-worker',
    ]);
    expect((await client.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE' }))).families).toEqual([
      'api',
      'api-worker',
      'batch',
    ]);
    expect((await client.send(new ListTaskDefinitionFamiliesCommand({ status: 'INACTIVE' }))).families).toEqual([
      'old',
    ]);
    const first = await client.send(new ListTaskDefinitionFamiliesCommand({ maxResults: 3 }));
    expect(first.families).toEqual(['api', 'api-worker', 'batch']);
    const second = await client.send(
      new ListTaskDefinitionFamiliesCommand({ maxResults: 3, nextToken: first.nextToken }),
    );
    expect(second).toMatchObject({ families: ['old'] });
    expect(second.nextToken).toBeUndefined();
    const foreign = await errorOf(client.send(new ListTaskDefinitionsCommand({ nextToken: first.nextToken })));
    expect(foreign.name).toBe('InvalidParameterException');
  });

  describe('ECS rules beyond the schema (ClientException)', () => {
    const cases: [string, Partial<RegisterTaskDefinitionCommandInput> & { family: string }, RegExp | string][] = [
      ['family characters', { family: 'bad family' }, /Invalid family 'bad family'/],
      ['family length', { family: 'f'.repeat(256) }, /Invalid family/],
      ['empty container list', { family: 'x', containerDefinitions: [] }, 'Container list cannot be empty.'],
      [
        'Fargate without awsvpc',
        { family: 'x', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512' },
        "Fargate only supports network mode 'awsvpc'.",
      ],
      [
        'Fargate without task cpu',
        { family: 'x', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', memory: '512' },
        "Fargate requires that 'cpu' be defined at the task level.",
      ],
      [
        'Fargate combination',
        { family: 'x', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '4096' },
        'No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.',
      ],
      ['task cpu', { family: 'x', cpu: 'lots' }, "Invalid 'cpu' setting for task."],
      [
        'container name',
        { family: 'x', containerDefinitions: [{ ...web, name: 'bad.name' }] },
        /Invalid container name 'bad.name'/,
      ],
      [
        'missing container name',
        { family: 'x', containerDefinitions: [{ image: 'x', memory: 64 }] },
        'Container.name should not be null or empty.',
      ],
      [
        'missing image',
        { family: 'x', containerDefinitions: [{ name: 'a', memory: 64 }] },
        'Container.image should not be null or empty.',
      ],
      ['duplicate names', { family: 'x', containerDefinitions: [web, web] }, /must be unique.*'web'/],
      [
        'no essential container',
        { family: 'x', containerDefinitions: [{ ...web, essential: false }] },
        'A task definition must have at least one essential container.',
      ],
      [
        'unknown volume',
        {
          family: 'x',
          containerDefinitions: [{ ...web, mountPoints: [{ sourceVolume: 'data', containerPath: '/d' }] }],
        },
        /the volume 'data' is not defined/,
      ],
      [
        'unknown dependency',
        { family: 'x', containerDefinitions: [{ ...web, dependsOn: [{ containerName: 'db', condition: 'START' }] }] },
        /the container 'db' is not defined/,
      ],
      [
        'awsvpc host port',
        {
          family: 'x',
          networkMode: 'awsvpc',
          containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80, hostPort: 8080 }] }],
        },
        'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
      ],
      [
        'host host port',
        {
          family: 'x',
          networkMode: 'host',
          containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80, hostPort: 81 }] }],
        },
        'When networkMode=host, the host ports and container ports in port mappings must match.',
      ],
    ];
    it.each(cases)('%s', async (_name, input, message) => {
      const error = await errorOf(register(ecs, input));
      expect(error).toMatchObject({ name: 'ClientException', $metadata: { httpStatusCode: 400 } });
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
    });

    it('accepts a bridge host port that differs, and dependsOn/mountPoints that resolve', async () => {
      const { taskDefinition } = await register(ecs, {
        family: 'ok-rules',
        volumes: [{ name: 'data' }],
        containerDefinitions: [
          {
            ...web,
            portMappings: [{ containerPort: 80, hostPort: 8080 }],
            mountPoints: [{ sourceVolume: 'data', containerPath: '/d' }],
          },
          {
            name: 'side',
            image: 'busybox',
            memory: 32,
            essential: false,
            dependsOn: [{ containerName: 'web', condition: 'START' }],
          },
        ],
      });
      expect(taskDefinition!.containerDefinitions!.map((c) => c.name)).toEqual(['web', 'side']);
      expect(taskDefinition!.requiresAttributes).toContainEqual({ name: 'ecs.capability.container-ordering' });
    });
  });
});
