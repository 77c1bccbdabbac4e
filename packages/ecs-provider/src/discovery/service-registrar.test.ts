import { CLOUD_MAP, RegistrarBed, type GatedCloudMap } from '../testing/registrar-bed';

// What both registrars do alike is tested once for each in registration/registrars.test.ts.

const TASK_ID = '0123456789abcdef0123456789abcdef';

describe('ServiceRegistrar', () => {
  let bed: RegistrarBed;
  beforeEach(() => (bed = new RegistrarBed(CLOUD_MAP)));
  afterEach(() => bed.remove());
  const members = (...places: string[]) => places.map((place) => bed.fake.membersOf(place));

  test("follows a change of the task's registries: it joins the new ones and leaves those it is no longer in", async () => {
    const registrar = bed.registrar();
    await bed.changed(registrar);
    expect(members('a')).toEqual([[TASK_ID]]);

    bed.places = ['b', 'c'];
    await bed.changed(registrar);
    expect(members('a', 'b', 'c')).toEqual([[], [TASK_ID], [TASK_ID]]);

    bed.places = ['c'];
    await bed.changed(registrar);
    expect(members('b', 'c')).toEqual([[], [TASK_ID]]);

    // Stopping takes it out of the registries it is in now, and only those.
    bed.stop();
    await bed.changed(registrar);
    expect(members('a', 'b', 'c')).toEqual([[], [], []]);
    registrar.close();
  });

  test('a failed join still leaves the old registry, and the next change retries the join', async () => {
    const registrar = bed.registrar();
    await bed.changed(registrar);
    expect(members('a')).toEqual([[TASK_ID]]);

    // Moved to srv-b, whose RegisterInstance fails: it must be out of srv-a all the same.
    (bed.fake as GatedCloudMap).deleted.add('srv-b');
    bed.places = ['b'];
    await bed.changed(registrar);
    expect(members('a', 'b')).toEqual([[], []]);

    // The failed half was not recorded as applied: the next change of the same task registers it.
    (bed.fake as GatedCloudMap).deleted.delete('srv-b');
    await bed.changed(registrar);
    expect(members('a', 'b')).toEqual([[], [TASK_ID]]);
    registrar.close();
  });

  test('a running task resumed before it is re-adopted leaves what the last process could not take it out of', async () => {
    const first = bed.open();
    await bed.changed(first.registrar);
    // Moved to srv-b while it runs; leaving srv-a fails, and the process stops.
    bed.fake.failures = 1;
    bed.places = ['b'];
    await bed.changed(first.registrar);
    await first.stop();
    expect(members('a')).toEqual([[TASK_ID]]);

    // As the provider starts: resume, then the supervisor re-adopts the task (a change of it).
    const second = bed.open();
    second.registrar.resume();
    await bed.changed(second.registrar);
    expect(members('a', 'b')).toEqual([[], [TASK_ID]]);
    await second.stop();
  });
});
