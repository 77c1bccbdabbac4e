import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import type { Logger } from 'winston';
import { errorOf } from './ecs-test-client';
import {
  TEST_IMAGE,
  isRunning,
  isStopped,
  removePrefixContainers,
  shellContainer,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
} from './support';

/** LocalStack's "Mounting local directories for ECS tasks" example, with the test image for `alpine`. */
const localStackExample = (hostPath: string): RegisterTaskDefinitionCommandInput => ({
  family: 'myfamily',
  containerDefinitions: [
    {
      name: 'mycontainer',
      image: TEST_IMAGE,
      command: ['sh', '-c', 'echo hello-from-task > /container/path/test.txt'],
      mountPoints: [{ containerPath: '/container/path', sourceVolume: 'test-volume' }],
    },
  ],
  volumes: [{ host: { sourcePath: hostPath }, name: 'test-volume' }],
});

const MEMORY_RULE =
  "Invalid setting for container 'mycontainer'. At least one of 'memory' or 'memoryReservation' must be specified.";

/** An awsvpc definition Fargate could run (ECS lists FARGATE in its compatibilities). */
const fargateSized = (family: string, command = 'true'): RegisterTaskDefinitionCommandInput => ({
  family,
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  containerDefinitions: [shellContainer('app', command)],
});

function providerLogger(bed: EcsTestBed): Logger {
  return (bed.gw.gateway.registry.get('ecs') as unknown as { context: { logger: Logger } }).context.logger;
}

describeWithEngine('validation modes: lenient by default, AWS’s refusals with ECS_STRICT_VALIDATION=1', () => {
  let lenient: EcsTestBed;
  let strict: EcsTestBed;
  let hostDir: string;

  beforeAll(async () => {
    lenient = await startEcsTestBed();
    strict = await startEcsTestBed({ ECS_STRICT_VALIDATION: '1' });
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-localstack-'));
    fs.chmodSync(hostDir, 0o777);
  });
  afterAll(async () => {
    await Promise.all([lenient.close(), strict.close()]);
    await removePrefixContainers(lenient.docker, lenient.prefix);
    await removePrefixContainers(strict.docker, strict.prefix);
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  const register = (bed: EcsTestBed, input: RegisterTaskDefinitionCommandInput) =>
    bed.ecs.send(new RegisterTaskDefinitionCommand(input));
  const run = async (bed: EcsTestBed, input: RunTaskCommandInput) => {
    const result = await bed.ecs.send(new RunTaskCommand(input));
    expect(result.failures).toEqual([]);
    return result.tasks![0]!;
  };

  it('registers and runs LocalStack’s mounting example verbatim, warning once about the memory rule', async () => {
    const warn = jest.spyOn(providerLogger(lenient), 'warn');
    await lenient.ecs.send(new CreateClusterCommand({ clusterName: 'mycluster' }));
    const { taskDefinition } = await register(lenient, localStackExample(hostDir));
    const warnings = warn.mock.calls.map(([message]) => String(message));
    warn.mockRestore();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('myfamily:1');
    expect(warnings[0]).toContain(MEMORY_RULE);
    expect(warnings[0]).toContain('ECS_STRICT_VALIDATION=1');
    // ECS registers a definition without networkMode as bridge, which only EC2 runs.
    expect(taskDefinition).toMatchObject({ networkMode: 'bridge', compatibilities: ['EC2'] });

    const task = await run(lenient, { cluster: 'mycluster', taskDefinition: 'myfamily' });
    expect(task.launchType).toBe('EC2');
    const stopped = await waitForTask(lenient.ecs, task.taskArn!, isStopped, { cluster: 'mycluster' });
    expect(stopped.containers![0]).toMatchObject({ name: 'mycontainer', exitCode: 0 });
    expect(stopped.containers![0]!.memory).toBeUndefined();
    expect(fs.readFileSync(path.join(hostDir, 'test.txt'), 'utf8')).toBe('hello-from-task\n');
  });

  it('runs definitions Fargate cannot run as EC2 when no launch type is given, and says so', async () => {
    await register(lenient, {
      ...fargateSized('ec2-required'),
      requiresCompatibilities: ['EC2'],
    });
    await register(lenient, {
      family: 'bridged',
      networkMode: 'bridge',
      containerDefinitions: [shellContainer('app', 'sleep 300')],
    });
    await register(lenient, fargateSized('fargate-sized'));

    const required = await run(lenient, { taskDefinition: 'ec2-required' });
    expect(required.launchType).toBe('EC2');
    const bridged = await run(lenient, { taskDefinition: 'bridged' });
    expect(bridged.launchType).toBe('EC2');
    const running = await waitForTask(lenient.ecs, bridged.taskArn!, isRunning);
    expect(running.launchType).toBe('EC2');
    const info = await lenient.docker.inspectContainer(running.containers![0]!.runtimeId!);
    expect(info.env).toMatchObject({ AWS_EXECUTION_ENV: 'AWS_ECS_EC2' });
    await lenient.ecs.send(new StopTaskCommand({ task: bridged.taskArn }));
    // A definition Fargate could run keeps the FARGATE default.
    expect((await run(lenient, { taskDefinition: 'fargate-sized' })).launchType).toBe('FARGATE');
  });

  it.each([
    ['by default', () => lenient],
    ['in strict mode', () => strict],
  ])('refuses an override of a container the definition does not have, %s', async (_mode, bed) => {
    await register(bed(), {
      family: 'overridden',
      containerDefinitions: [shellContainer('app', 'true')],
    });
    const error = await errorOf(
      bed().ecs.send(
        new RunTaskCommand({
          taskDefinition: 'overridden',
          overrides: { containerOverrides: [{ name: 'ghost', command: ['true'] }] },
        }),
      ),
    );
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Override for container named ghost is not a container in the TaskDefinition.',
    });
    const listed = await bed().ecs.send(new ListTasksCommand({ family: 'overridden', desiredStatus: 'STOPPED' }));
    const running = await bed().ecs.send(new ListTasksCommand({ family: 'overridden' }));
    expect([...listed.taskArns!, ...running.taskArns!]).toEqual([]);
  });

  it('refuses in strict mode, and runs by default, what AWS refuses for reasons only AWS has', async () => {
    expect(await errorOf(register(strict, localStackExample(hostDir)))).toMatchObject({
      name: 'ClientException',
      message: MEMORY_RULE,
    });
    for (const bed of [strict, lenient]) {
      await register(bed, fargateSized('vpc'));
      await register(bed, { family: 'bridge', containerDefinitions: [shellContainer('app', 'true')] });
    }
    const vpc = (subnets: string[], securityGroups?: string[]): RunTaskCommandInput => ({
      taskDefinition: 'vpc',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups } },
    });
    const cases: [RunTaskCommandInput, string, string][] = [
      [
        { taskDefinition: 'vpc' },
        'InvalidParameterException',
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      ],
      [vpc([]), 'InvalidParameterException', 'subnets can not be empty.'],
      [
        vpc(['subnet-']),
        'InvalidParameterException',
        "Error retrieving subnet information for [subnet-]: The subnet ID 'subnet-' is malformed",
      ],
      [
        vpc(['subnet-12345678'], ['default']),
        'InvalidParameterException',
        "Error retrieving security group information for [default]: The security group ID 'default' is malformed",
      ],
      [
        { taskDefinition: 'bridge', launchType: 'FARGATE' },
        'ClientException',
        'Task definition does not support launch_type FARGATE.',
      ],
    ];
    for (const [input, name, message] of cases) {
      expect(await errorOf(strict.ecs.send(new RunTaskCommand(input)))).toMatchObject({ name, message });
      const task = await run(lenient, input);
      expect((await waitForTask(lenient.ecs, task.taskArn!, isStopped)).containers![0]!.exitCode).toBe(0);
    }

    // Services take their network configuration as given too, unless strict.
    const service = (bed: EcsTestBed, serviceName: string) =>
      bed.ecs.send(
        new CreateServiceCommand({ serviceName, desiredCount: 0, ...vpc(['subnet-'], ['sg-0123456789abcdef0']) }),
      );
    expect(await errorOf(service(strict, 'svc'))).toMatchObject({
      name: 'InvalidParameterException',
      message: "Error retrieving subnet information for [subnet-]: The subnet ID 'subnet-' is malformed",
    });
    expect((await service(lenient, 'svc')).service!.status).toBe('ACTIVE');
    const fargateBridge = (bed: EcsTestBed) =>
      bed.ecs.send(
        new CreateServiceCommand({
          serviceName: 'bridge-on-fargate',
          taskDefinition: 'bridge',
          launchType: 'FARGATE',
          desiredCount: 0,
        }),
      );
    expect(await errorOf(fargateBridge(strict))).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Task definition does not support launch_type FARGATE.',
    });
    expect((await fargateBridge(lenient)).service!.launchType).toBe('FARGATE');

    // What AWS accepts, strict mode runs.
    const task = await run(strict, vpc(['subnet-12345678'], ['sg-0123456789abcdef0']));
    expect(task.launchType).toBe('FARGATE');
    await waitForTask(strict.ecs, task.taskArn!, isStopped);
  });
});
