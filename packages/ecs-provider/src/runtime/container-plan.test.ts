import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { PAUSE_IMAGE } from '@localcloud/docker-backend';
import { planTask, type TaskIdentity } from './container-plan';
import { loadEcsRuntimeConfig } from './runtime-config';

const task: TaskIdentity = {
  accountId: '000000000000',
  region: 'eu-west-1',
  clusterArn: 'arn:aws:ecs:eu-west-1:000000000000:cluster/default',
  taskArn: 'arn:aws:ecs:eu-west-1:000000000000:task/default/0123456789abcdef0123456789abcdef',
  taskId: '0123456789abcdef0123456789abcdef',
  launchType: 'FARGATE',
  instanceId: '0123456789abcdef',
};

const definition = (extra: Partial<TaskDefinition>): TaskDefinition => ({
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:000000000000:task-definition/web:3',
  family: 'web',
  revision: 3,
  containerDefinitions: [{ name: 'app', image: 'busybox', essential: true }],
  ...extra,
});

describe('planTask', () => {
  const config = loadEcsRuntimeConfig({ ECS_NETWORK_HOLDER_IMAGE: 'pause:1' });

  it('names containers <prefix>_<family>_<revision>_<container>_<task id> and labels them', () => {
    const plan = planTask({ definition: definition({ networkMode: 'bridge' }), task, config });
    const spec = plan.containers[0]!.spec;
    expect(spec.name).toBe('localcloud_web_3_app_0123456789abcdef0123456789abcdef');
    expect(spec.labels).toMatchObject({
      'localcloud.ecs.managed': 'localcloud',
      'localcloud.ecs.instance': '0123456789abcdef',
      'localcloud.ecs.task-arn': task.taskArn,
      'localcloud.ecs.container-name': 'app',
    });
    expect(spec.env).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
    });
    expect(plan.networkHolder).toBeUndefined();
  });

  it('shares one network namespace through a holder for multi-container awsvpc tasks', () => {
    const plan = planTask({
      definition: definition({
        networkMode: 'awsvpc',
        containerDefinitions: [
          { name: 'web', image: 'busybox', portMappings: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 'busybox', portMappings: [{ containerPort: 9000, protocol: 'udp' }] },
        ],
      }),
      task,
      config,
    });
    expect(plan.networkHolder).toMatchObject({
      image: 'pause:1',
      ports: [
        { containerPort: 80, hostPort: 80, protocol: 'tcp' },
        { containerPort: 9000, hostPort: 9000, protocol: 'udp' },
      ],
    });
    for (const c of plan.containers) {
      expect(c.spec.networkMode).toBe(`container:${plan.networkHolder!.name}`);
      expect(c.spec.ports).toBeUndefined();
    }
  });

  it("holds the namespace with the backend's built-in pause image unless ECS_NETWORK_HOLDER_IMAGE says otherwise", () => {
    const plan = planTask({
      definition: definition({
        networkMode: 'awsvpc',
        containerDefinitions: [
          { name: 'a', image: 'busybox' },
          { name: 'b', image: 'busybox' },
        ],
      }),
      task,
      config: loadEcsRuntimeConfig({}),
    });
    expect(plan.networkHolder).toMatchObject({ image: PAUSE_IMAGE });
    expect(plan.networkHolder!.command).toBeUndefined();
  });

  it('maps bind mounts, task volumes, volumesFrom, limits, health checks and overrides', () => {
    const plan = planTask({
      definition: definition({
        networkMode: 'bridge',
        volumes: [{ name: 'host', host: { sourcePath: '/srv/data' } }, { name: 'scratch' }],
        containerDefinitions: [
          {
            name: 'app',
            image: 'busybox',
            command: ['old'],
            cpu: 256,
            memory: 128,
            memoryReservation: 64,
            stopTimeout: 5,
            environment: [{ name: 'A', value: 'definition' }],
            mountPoints: [
              { sourceVolume: 'host', containerPath: '/data', readOnly: true },
              { sourceVolume: 'scratch', containerPath: '/scratch' },
            ],
            healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5 },
            portMappings: [{ containerPort: 80, hostPort: 0 }],
          },
          {
            name: 'reader',
            image: 'busybox',
            essential: false,
            volumesFrom: [{ sourceContainer: 'app', readOnly: true }],
          },
        ],
      }),
      overrides: {
        containerOverrides: [
          { name: 'app', command: ['new'], environment: [{ name: 'A', value: 'override' }], memory: 256 },
        ],
      },
      task: { ...task, launchType: 'EC2' },
      config,
    });
    const [app, reader] = plan.containers;
    expect(app!.spec).toMatchObject({
      command: ['new'],
      cpuShares: 256,
      memory: 256 * 1024 * 1024,
      memoryReservation: 64 * 1024 * 1024,
      stopTimeout: 5,
      mounts: [
        { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
        {
          type: 'volume',
          source: 'localcloud_0123456789abcdef0123456789abcdef_scratch',
          target: '/scratch',
          readOnly: false,
        },
      ],
      healthCheck: {
        test: ['CMD-SHELL', 'true'],
        intervalSeconds: 5,
        timeoutSeconds: 5,
        retries: 3,
        startPeriodSeconds: 0,
      },
      ports: [{ containerPort: 80, protocol: 'tcp', hostPort: undefined }],
      networkMode: 'bridge',
    });
    expect(app!.spec.env).toMatchObject({ A: 'override', AWS_EXECUTION_ENV: 'AWS_ECS_EC2' });
    expect(reader!.spec.volumesFrom).toEqual(['localcloud_web_3_app_0123456789abcdef0123456789abcdef:ro']);
    expect(plan.volumes).toEqual([{ name: 'localcloud_0123456789abcdef0123456789abcdef_scratch', scope: 'task' }]);
  });

  it('joins the configured network, with the container name as alias', () => {
    const plan = planTask({
      definition: definition({ networkMode: 'awsvpc' }),
      task,
      config: loadEcsRuntimeConfig({ MAIN_DOCKER_NETWORK: 'stack' }),
      endpointUrl: 'http://localcloud:4566',
    });
    expect(plan.containers[0]!.spec).toMatchObject({ networkMode: 'stack', networkAliases: ['app'] });
    expect(plan.containers[0]!.spec.env).toMatchObject({ AWS_ENDPOINT_URL: 'http://localcloud:4566' });
  });

  it('adds per-container environment (metadata URIs) over the definition, and the host alias to reach it', () => {
    const plan = planTask({
      definition: definition({
        networkMode: 'bridge',
        containerDefinitions: [
          { name: 'app', image: 'busybox', environment: [{ name: 'ECS_CONTAINER_METADATA_URI_V4', value: 'fake' }] },
          { name: 'side', image: 'busybox' },
        ],
      }),
      task,
      config,
      containerEnvironment: { app: { ECS_CONTAINER_METADATA_URI_V4: 'http://h/v4/a' }, side: { X: 'y' } },
    });
    expect(plan.containers[0]!.spec.env).toMatchObject({ ECS_CONTAINER_METADATA_URI_V4: 'http://h/v4/a' });
    expect(plan.containers[1]!.spec.env).toMatchObject({ X: 'y' });
    expect(plan.containers[1]!.spec.env).not.toHaveProperty('ECS_CONTAINER_METADATA_URI_V4');
    expect(plan.containers[0]!.spec.extraHosts).toContain('host.docker.internal:host-gateway');
  });
});
