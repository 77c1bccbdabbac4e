import type { CreateServiceRequest, ServiceRegistry } from '@aws-sdk/client-ecs';
import { createService, updateService } from '../handlers/services';
import { registerTaskDefinition } from '../handlers/task-definitions';
import { createTaskSet } from '../handlers/task-sets';
import { taskIdOf } from '../runtime/task-record';
import { InMemoryEcs, container } from '../testing/in-memory-ecs';

const registry = (id: string): ServiceRegistry => ({
  registryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}`,
});

/**
 * Which Cloud Map registries a service task registers in, and whether it gets the local DNS, on the
 * in-memory harness wired as the provider wires discovery (createTaskDiscovery, a recording Cloud Map).
 */
describe('task discovery', () => {
  let bed: InMemoryEcs;
  beforeEach(async () => {
    bed = await new InMemoryEcs().start();
    registerTaskDefinition({ family: 'api', containerDefinitions: [container()] }, bed.ecs);
  });
  afterEach(() => bed.close());

  const ids = (tasks: { taskArn?: string }[]) => tasks.map((t) => taskIdOf(t.taskArn!)).sort();
  const live = (service: string) => bed.tasksOf(service).filter((t) => t.desiredStatus === 'RUNNING');

  async function service(input: Partial<CreateServiceRequest>) {
    createService({ serviceName: 'api', taskDefinition: 'api', desiredCount: 1, ...input }, bed.ecs);
    await bed.pass();
    return live('api');
  }

  test("a task set's tasks register in the task set's serviceRegistries, not the service's", async () => {
    createService(
      {
        serviceName: 'api',
        desiredCount: 1,
        deploymentController: { type: 'EXTERNAL' },
        serviceRegistries: [registry('srv-service')],
      },
      bed.ecs,
    );
    // Two task sets alike but for their registries.
    const taskSet = (registryId: string) =>
      createTaskSet(
        {
          cluster: 'default',
          service: 'api',
          taskDefinition: 'api',
          serviceRegistries: [registry(registryId)],
          scale: { value: 100, unit: 'PERCENT' },
        },
        bed.ecs,
      ).taskSet!;
    const blue = taskSet('srv-blue');
    const green = taskSet('srv-green');
    await bed.pass();
    const of = (taskSetId: string) => live('api').filter((t) => t.startedBy === taskSetId);
    expect(of(blue.id!)).toHaveLength(1);
    expect(of(green.id!)).toHaveLength(1);
    expect(bed.cloudMap.instancesIn('srv-blue')).toEqual(ids(of(blue.id!)));
    expect(bed.cloudMap.instancesIn('srv-green')).toEqual(ids(of(green.id!)));
    expect(bed.cloudMap.instancesIn('srv-service')).toEqual([]);
    expect(live('api').every((t) => bed.expectsNames(t.taskArn!))).toBe(true);
  });

  test("whether a task gets the local DNS follows its own deployment's registries, not the service's", async () => {
    const withRegistries = await service({ serviceRegistries: [registry('srv-api')] });
    expect(bed.cloudMap.instancesIn('srv-api')).toEqual(ids(withRegistries));
    // The update starts a deployment without registries; no pass yet, so the old task still runs.
    updateService({ service: 'api', serviceRegistries: [] }, bed.ecs);
    expect(bed.expectsNames(withRegistries[0]!.taskArn!)).toBe(true);
  });

  test('a task of a deployment without registries does not get the local DNS when the service has them again', async () => {
    const [plain] = await service({});
    expect(bed.expectsNames(plain!.taskArn!)).toBe(false);
    updateService({ service: 'api', serviceRegistries: [registry('srv-api')] }, bed.ecs);
    expect(bed.expectsNames(plain!.taskArn!)).toBe(false);
    expect(bed.cloudMap.instancesIn('srv-api')).toEqual([]);
  });
});
