import type { CreateServiceRequest, ServiceConnectConfiguration, ServiceRegistry } from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { createService, updateService } from '../handlers/services';
import { registerTaskDefinition } from '../handlers/task-definitions';
import { createTaskSet, deleteTaskSet } from '../handlers/task-sets';
import { taskIdOf } from '../runtime/task-record';
import { planAliases } from '../service-connect/aliases';
import { serverServices } from '../service-connect/task-aliases';
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

    // A deleted task set's task leaves its task set's registries, and joins none of the service's.
    const [blueTask] = of(blue.id!);
    expect(bed.holdings(blueTask!.taskArn!)?.cloudMap?.map((i) => i.serviceId)).toEqual(['srv-blue']);
    deleteTaskSet({ cluster: 'default', service: 'api', taskSet: blue.id!, force: true }, bed.ecs);
    await bed.pass();
    await bed.pass();
    expect(bed.service('api').taskSets!.map((s) => s.id)).toEqual([green.id]);
    expect(bed.cloudMap.instancesIn('srv-blue')).toEqual([]);
    expect(bed.cloudMap.instancesIn('srv-service')).toEqual([]);
    expect(bed.cloudMap.instancesIn('srv-green')).toEqual(ids(of(green.id!)));
    expect(bed.holdings(blueTask!.taskArn!)).toBeUndefined();
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

  describe("Service Connect follows the deployment that launched the task, not the service's settings now", () => {
    const namespace = 'arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-local';
    const enabled: ServiceConnectConfiguration = { enabled: true, namespace, services: [{ portName: 'http' }] };
    /** The handlers' scope as the provider hands it over once Service Connect is resolved in Cloud Map. */
    const resolved = (configuration: ServiceConnectConfiguration): EcsScope => ({
      ...bed.ecs,
      serviceConnect: {
        service: configuration.enabled
          ? {
              configuration,
              resources: [{ discoveryName: 'http', discoveryArn: registry('srv-sc').registryArn }],
              namespaceName: 'local',
            }
          : { configuration, resources: [] },
      },
    });
    beforeEach(() => {
      registerTaskDefinition(
        { family: 'sc', containerDefinitions: [container({ portMappings: [{ name: 'http', containerPort: 80 }] })] },
        bed.ecs,
      );
    });
    const create = async (configuration?: ServiceConnectConfiguration) => {
      const input = { serviceName: 'api', taskDefinition: 'sc', desiredCount: 1 };
      if (configuration)
        createService({ ...input, serviceConnectConfiguration: configuration }, resolved(configuration));
      else createService(input, bed.ecs);
      await bed.pass();
      return live('api');
    };
    /** Passes until the rollout is done: one task of the new deployment left. */
    const rollOut = async (old: string) => {
      for (let i = 0; i < 10 && live('api').some((t) => t.taskArn === old); i += 1) await bed.pass();
      const [fresh, ...rest] = live('api');
      expect(rest).toEqual([]);
      expect(fresh!.taskArn).not.toBe(old);
      return fresh!;
    };

    test('a rollout that turns it off: the old task keeps the local DNS and its Cloud Map instance, the new one has neither', async () => {
      const [old] = await create(enabled);
      expect(bed.expectsNames(old!.taskArn!)).toBe(true);
      expect(bed.cloudMap.instancesIn('srv-sc')).toEqual(ids([old!]));

      const off: ServiceConnectConfiguration = { enabled: false };
      updateService({ service: 'api', serviceConnectConfiguration: off }, resolved(off));
      expect(bed.expectsNames(old!.taskArn!)).toBe(true);
      // The new deployment's task starts while the old one still runs (and still serves in Cloud Map).
      await bed.pass();
      const started = live('api').find((t) => t.taskArn !== old!.taskArn);
      expect(started).toBeDefined();
      expect(bed.expectsNames(started!.taskArn!)).toBe(false);
      expect(bed.expectsNames(old!.taskArn!)).toBe(true);
      expect(bed.cloudMap.instancesIn('srv-sc')).toEqual(ids([old!]));

      const fresh = await rollOut(old!.taskArn!);
      expect(bed.expectsNames(fresh.taskArn!)).toBe(false);
      expect(bed.cloudMap.instancesIn('srv-sc')).toEqual([]);
    });

    test("a rollout that turns it off: the service's alias keeps serving the old task until it stops", async () => {
      const aliased: ServiceConnectConfiguration = {
        ...enabled,
        services: [{ portName: 'http', clientAliases: [{ port: 8080, dnsName: 'api.local' }] }],
      };
      /** Where the alias leads, as the alias publisher plans it from the store (task-aliases.ts). */
      const servedBy = () => {
        const plan = planAliases(
          serverServices(bed.ecs.store, () => bed.ecs.tasks),
          '172.17.0.1',
        );
        return { names: [...plan.names.keys()], targets: plan.proxies.flatMap((p) => p.targets) };
      };
      const [old] = await create(aliased);
      const before = servedBy();
      expect(before.names).toEqual(['api.local']);
      expect(before.targets).toHaveLength(1);

      const off: ServiceConnectConfiguration = { enabled: false };
      updateService({ service: 'api', serviceConnectConfiguration: off }, resolved(off));
      // The service has Service Connect no more, but its old task still runs and is still in Cloud Map.
      expect(servedBy()).toEqual(before);
      await bed.pass();
      expect(live('api')).toHaveLength(2);
      expect(bed.cloudMap.instancesIn('srv-sc')).toEqual(ids([old!]));
      expect(servedBy()).toEqual(before);

      await rollOut(old!.taskArn!);
      expect(servedBy()).toEqual({ names: [], targets: [] });
    });

    test('a rollout that turns it on: the old task stays without it, only the new one gets the local DNS and registers', async () => {
      const [old] = await create();
      expect(bed.expectsNames(old!.taskArn!)).toBe(false);

      updateService({ service: 'api', serviceConnectConfiguration: enabled }, resolved(enabled));
      expect(bed.expectsNames(old!.taskArn!)).toBe(false);
      await bed.pass();
      const started = live('api').find((t) => t.taskArn !== old!.taskArn);
      expect(started).toBeDefined();
      expect(bed.expectsNames(started!.taskArn!)).toBe(true);
      expect(bed.expectsNames(old!.taskArn!)).toBe(false);
      expect(bed.cloudMap.instancesIn('srv-sc')).toEqual(ids([started!]));

      const fresh = await rollOut(old!.taskArn!);
      expect(fresh.taskArn).toBe(started!.taskArn);
      expect(bed.cloudMap.instancesIn('srv-sc')).toEqual(ids([fresh]));
    });
  });
});
