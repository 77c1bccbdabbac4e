import type { TaskRecord } from '../runtime/task-record';
import { instancesOf, shouldBeRegistered } from './registration';

const REGISTRY = 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-abc123';

function task(change: Partial<TaskRecord> = {}, withHealthCheck = false): TaskRecord {
  return {
    taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
    accountId: '000000000000',
    region: 'us-east-1',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:3',
    desiredStatus: 'RUNNING',
    lastStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    availabilityZone: 'us-east-1b',
    runtime: {
      containers: [
        {
          name: 'web',
          dockerName: 'x',
          essential: true,
          dependsOn: [],
          stopTimeoutSeconds: 2,
          hasHealthCheck: withHealthCheck,
        },
      ],
      volumes: [],
    },
    ...change,
  };
}

const service = { serviceName: 'api', clusterName: 'c' };

describe('which tasks are in discovery', () => {
  it('registers a running task, not one pending, stopping or stopped', () => {
    expect(shouldBeRegistered(task())).toBe(true);
    expect(shouldBeRegistered(task({ lastStatus: 'PENDING' }))).toBe(false);
    expect(shouldBeRegistered(task({ desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }))).toBe(false);
    expect(shouldBeRegistered(task({ desiredStatus: 'STOPPED', lastStatus: 'RUNNING' }))).toBe(false);
    expect(shouldBeRegistered(task({ lastStatus: 'STOPPED' }))).toBe(false);
  });

  it('waits for HEALTHY when an essential container has a health check, and drops an unhealthy task', () => {
    expect(shouldBeRegistered(task({ healthStatus: 'UNKNOWN' }, true))).toBe(false);
    expect(shouldBeRegistered(task({ healthStatus: 'HEALTHY' }, true))).toBe(true);
    expect(shouldBeRegistered(task({ healthStatus: 'UNHEALTHY' }, true))).toBe(false);
  });
});

describe('the Cloud Map instance of a task', () => {
  const awsvpc: Partial<TaskRecord> = {
    attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '172.20.0.5' }] }],
  };

  it('is the task id at the ENI address, with the registry port and ECS attributes', () => {
    const { instances, invalid } = instancesOf(task(awsvpc), [{ registryArn: REGISTRY, port: 9000 }], service);
    expect(invalid).toEqual([]);
    expect(instances).toEqual([
      {
        registryArn: REGISTRY,
        serviceId: 'srv-abc123',
        accountId: '000000000000',
        region: 'us-east-1',
        instanceId: '0123456789abcdef',
        attributes: {
          AWS_INSTANCE_IPV4: '172.20.0.5',
          AWS_INSTANCE_PORT: '9000',
          AVAILABILITY_ZONE: 'us-east-1b',
          REGION: 'us-east-1',
          ECS_CLUSTER_NAME: 'c',
          ECS_SERVICE_NAME: 'api',
          ECS_TASK_DEFINITION_FAMILY: 'api',
        },
      },
    ]);
  });

  it('uses the container port on awsvpc and the published host port on bridge', () => {
    const registry = { registryArn: REGISTRY, containerName: 'web', containerPort: 80 };
    expect(instancesOf(task(awsvpc), [registry], service).instances[0]!.attributes.AWS_INSTANCE_PORT).toBe('80');
    const bridge = task({
      containers: [{ name: 'web', networkBindings: [{ bindIP: '0.0.0.0', containerPort: 80, hostPort: 32768 }] }],
    });
    expect(instancesOf(bridge, [registry], service).instances[0]!.attributes).toMatchObject({
      AWS_INSTANCE_IPV4: '127.0.0.1',
      AWS_INSTANCE_PORT: '32768',
    });
  });

  it('leaves out a registry that is not a Cloud Map service ARN', () => {
    const { instances, invalid } = instancesOf(task(awsvpc), [{ registryArn: 'arn:aws:ecs:x' }], service);
    expect(instances).toEqual([]);
    expect(invalid).toEqual(['arn:aws:ecs:x']);
  });
});
