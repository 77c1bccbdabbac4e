import type { AccountRegionStores } from '@localcloud/gateway';
import winston from 'winston';
import { createService } from '../handlers/services';
import { registerTaskDefinition } from '../handlers/task-definitions';
import type { EcsStore } from '../store/ecs-store';
import { InMemoryEcs, container } from '../testing/in-memory-ecs';
import { ServicePass } from './service-pass';

/** A pass edits its own copy of the service (copy-on-write over the frozen stored record) until it saves. */
describe('ServicePass', () => {
  let bed: InMemoryEcs;
  beforeEach(async () => {
    bed = await new InMemoryEcs().start();
  });
  afterEach(() => bed.close());

  function open(): ServicePass {
    const store = bed.ecs.store;
    const stores = { get: () => store } as unknown as AccountRegionStores<EcsStore>;
    const pass = ServicePass.open(
      { stores, runtime: bed.runtime, logger: winston.createLogger({ silent: true }) },
      store.services.get('default/web')!,
    );
    expect(pass).toBeDefined();
    return pass!;
  }

  test('an edit through the pass leaves the stored service as it was until the pass saves', async () => {
    registerTaskDefinition({ family: 'web', containerDefinitions: [container()] }, bed.ecs);
    createService({ serviceName: 'web', taskDefinition: 'web', desiredCount: 1 }, bed.ecs);
    await bed.pass();
    const stored = bed.ecs.store.services.get('default/web')!;
    const before = JSON.stringify(stored);
    expect(stored.deployments).toHaveLength(1);

    const pass = open();
    pass.service.taskDefinition = 'changed';
    pass.service.scheduler = { ...pass.service.scheduler, steady: true };
    pass.service.deployments[0]!.rolloutState = 'FAILED';
    pass.service.deployments[0]!.desiredCount = 7;
    pass.service.deployments = [{ id: 'ecs-svc/new' }, ...pass.service.deployments];
    // Deeper than the levels the pass copies, the stored record's parts are shared and frozen: an edit throws.
    expect(() => (pass.service.events as unknown[]).push({ message: 'x' })).toThrow(TypeError);
    expect(JSON.stringify(bed.ecs.store.services.get('default/web'))).toBe(before);
    expect(bed.ecs.store.services.get('default/web')).toBe(stored);

    pass.changed = true;
    pass.save();
    const saved = bed.ecs.store.services.get('default/web')!;
    expect(saved.taskDefinition).toBe('changed');
    expect(saved.deployments!.map((d) => [d.id, d.rolloutState, d.desiredCount])).toEqual([
      ['ecs-svc/new', undefined, undefined],
      [stored.deployments![0]!.id, 'FAILED', 7],
    ]);
    // The old record object itself is untouched.
    expect(JSON.stringify(stored)).toBe(before);
  });

  test('a pass that changes nothing writes nothing', async () => {
    registerTaskDefinition({ family: 'web', containerDefinitions: [container()] }, bed.ecs);
    createService({ serviceName: 'web', taskDefinition: 'web', desiredCount: 1 }, bed.ecs);
    await bed.pass();
    const stored = bed.ecs.store.services.get('default/web')!;
    open().save();
    expect(bed.ecs.store.services.get('default/web')).toBe(stored);
  });
});
