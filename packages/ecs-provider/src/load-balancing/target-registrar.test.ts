import { RegistrarBed, TARGETS, TASK_ARN, targetGroupArn, type FakeElb } from '../testing/registrar-bed';
import type { TargetsLeftBehind } from './target-registrar';

// What both registrars do alike is tested once for each in registration/registrars.test.ts.

describe('TargetRegistrar', () => {
  let bed: RegistrarBed;
  beforeEach(() => (bed = new RegistrarBed(TARGETS)));
  afterEach(() => bed.remove());

  test('a target that failed to leave and is wanted again no longer has a deregistration stored', async () => {
    const { leftBehind, registrar, stop } = bed.open();
    const targetsLeft = () => (leftBehind.get(TASK_ARN) as TargetsLeftBehind | undefined)?.targets ?? [];
    bed.places = ['a', 'b'];
    await bed.changed(registrar);
    bed.fake.failures = 1;
    bed.places = ['b'];
    await bed.changed(registrar);
    expect(targetsLeft().map((t) => t.targetGroupArn)).toEqual([targetGroupArn('a')]);
    bed.places = ['a', 'b'];
    await bed.changed(registrar);
    expect(targetsLeft()).toEqual([]);
    await stop();
  });

  test('after a restart, a running task restored from its record is registered again in the groups it holds', async () => {
    const first = bed.open();
    await bed.changed(first.registrar);
    await first.stop();
    expect(bed.fake.membersOf('a')).toEqual(['172.17.0.9:8080']);
    (bed.fake as FakeElb).groups.get('a')!.clear(); // lost meanwhile (say, deregistered by hand)

    const second = bed.open();
    second.registrar.resume();
    await bed.changed(second.registrar);
    expect(bed.fake.membersOf('a')).toEqual(['172.17.0.9:8080']);
    // Held on the task's record, not in the table of deregistrations left to make.
    expect(TARGETS.holdings(bed.task)).toEqual(['a']);
    expect([...second.leftBehind.keys()]).toEqual([]);
    await second.stop();
  });
});
