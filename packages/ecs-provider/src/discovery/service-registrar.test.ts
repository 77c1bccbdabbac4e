import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import winston from 'winston';
import type { TaskRecord } from '../runtime/task-record';
import { RecordingCloudMap } from '../testing/recording-cloud-map';
import { ServiceRegistrar } from './service-registrar';

const registry = (id: string): ServiceRegistry => ({
  registryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}`,
});
const taskArn = 'arn:aws:ecs:us-east-1:000000000000:task/web/0123456789abcdef0123456789abcdef';
const running = {
  taskArn,
  accountId: '000000000000',
  region: 'us-east-1',
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/web',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:1',
  desiredStatus: 'RUNNING',
  lastStatus: 'RUNNING',
} as TaskRecord;

describe('ServiceRegistrar', () => {
  const cloudMap = new RecordingCloudMap();
  let task = running;
  let registries = [registry('srv-a')];
  const registrar = new ServiceRegistrar({
    get: () => task,
    serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
    cloudMap: async () => cloudMap.asProvider(),
    logger: winston.createLogger({ silent: true }),
  });
  const changed = async () => {
    registrar.taskChanged(task);
    await registrar.idle();
  };

  test("follows a change of the task's registries: it joins the new ones and leaves those it is no longer in", async () => {
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    registries = [registry('srv-b'), registry('srv-c')];
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(cloudMap.instancesIn('srv-b')).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(cloudMap.instancesIn('srv-c')).toEqual(['0123456789abcdef0123456789abcdef']);

    registries = [registry('srv-c')];
    await changed();
    expect(cloudMap.instancesIn('srv-b')).toEqual([]);
    expect(cloudMap.instancesIn('srv-c')).toEqual(['0123456789abcdef0123456789abcdef']);

    // Stopping takes it out of the registries it is in now, and only those.
    task = { ...running, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' } as TaskRecord;
    await changed();
    expect(['srv-a', 'srv-b', 'srv-c'].flatMap((id) => cloudMap.instancesIn(id))).toEqual([]);
  });
});

describe('ServiceRegistrar when a Cloud Map call fails', () => {
  const cloudMap = new RecordingCloudMap();
  let registries = [registry('srv-a')];
  const registrar = new ServiceRegistrar({
    get: () => running,
    serviceOf: () => ({ serviceName: 'api', clusterName: 'web', serviceRegistries: registries }),
    cloudMap: async () => cloudMap.asProvider(),
    logger: winston.createLogger({ silent: true }),
  });
  const changed = async () => {
    registrar.taskChanged(running);
    await registrar.idle();
  };

  test('a failed join still leaves the old registry, and the next change retries the join', async () => {
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual(['0123456789abcdef0123456789abcdef']);

    // Moved to srv-b, whose RegisterInstance fails: it must be out of srv-a all the same.
    cloudMap.deleted.add('srv-b');
    registries = [registry('srv-b')];
    await changed();
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
    expect(cloudMap.instancesIn('srv-b')).toEqual([]);

    // The failed half was not recorded as applied: the next change of the same task registers it.
    cloudMap.deleted.delete('srv-b');
    await changed();
    expect(cloudMap.instancesIn('srv-b')).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(cloudMap.instancesIn('srv-a')).toEqual([]);
  });
});
