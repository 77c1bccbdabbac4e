import { failureThreshold, newDeploymentId, serviceTaskTags } from './service';
import { serviceEventMessages, withEvents } from '../scheduler/service-events';
import type { ServiceRecord } from '../store/records';

describe('services', () => {
  it('uses ECS deployment ids', () => {
    expect(newDeploymentId()).toMatch(/^ecs-svc\/[1-9]\d{18}$/);
  });

  it("computes the circuit breaker's threshold as ECS does: half the desired count rounded up, within 3..200", () => {
    // min(max(ceil(0.5 * desired), 3), 200), with the bounds' edges on both sides.
    const desired = [0, 1, 5, 6, 7, 8, 9, 10, 398, 399, 400, 401, 1000];
    expect(desired.map(failureThreshold)).toEqual([3, 3, 3, 3, 4, 4, 5, 5, 199, 200, 200, 200, 200]);
  });

  it('words events as ECS does, newest first and bounded to 100', () => {
    const arn = 'arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef';
    expect(serviceEventMessages.startedTasks('web', [arn])).toBe(
      '(service web) has started 1 tasks: (task 0123456789abcdef0123456789abcdef).',
    );
    let events = withEvents([], ['a', 'b']);
    expect(events.map((e) => e.message)).toEqual(['b', 'a']);
    for (let i = 0; i < 120; i += 1) events = withEvents(events, [`e${i}`]);
    expect(events).toHaveLength(100);
    expect(events[0]!.message).toBe('e119');
  });

  it('propagates service tags and adds ECS-managed ones', () => {
    const service = {
      serviceName: 'web',
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      tags: [{ key: 'team', value: 'a' }],
    } as ServiceRecord;
    expect(serviceTaskTags(service, [{ key: 'td', value: '1' }], 'c')).toEqual([
      { key: 'team', value: 'a' },
      { key: 'aws:ecs:clusterName', value: 'c' },
      { key: 'aws:ecs:serviceName', value: 'web' },
    ]);
  });
});
