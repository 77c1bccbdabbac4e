import {
  invalidRoutingAttribute,
  MIN_HEALTHY_COUNT,
  MIN_HEALTHY_PERCENTAGE,
  servingTargets,
  UNHEALTHY_STATE_ROUTING_DEFAULTS,
} from './unhealthy-state-routing';

type State = 'healthy' | 'unhealthy' | 'initial';
const group = (...states: State[]) => states.map((state, i) => ({ id: `t${i}`, state }));
const serve = (attributes: Record<string, string>, targets: { id: string; state: State }[]) =>
  servingTargets(
    { ...UNHEALTHY_STATE_ROUTING_DEFAULTS, ...attributes },
    targets,
    (t) => t.state === 'healthy',
    (t) => t.state === 'unhealthy',
  ).map((t) => t.id);

describe('unhealthy state routing (fail open)', () => {
  it('by default serves the healthy targets, and all of them only when none is healthy', () => {
    expect(serve({}, group('healthy', 'unhealthy', 'unhealthy'))).toEqual(['t0']);
    expect(serve({}, group('unhealthy', 'unhealthy'))).toEqual(['t0', 't1']);
    expect(serve({}, [])).toEqual([]);
  });

  it('fails open below minimum_healthy_targets.count', () => {
    const two = { [MIN_HEALTHY_COUNT]: '2' };
    expect(serve(two, group('healthy', 'unhealthy', 'unhealthy'))).toEqual(['t0', 't1', 't2']);
    expect(serve(two, group('healthy', 'healthy', 'unhealthy'))).toEqual(['t0', 't1']);
  });

  it('fails open below minimum_healthy_targets.percentage, either threshold being enough', () => {
    const half = { [MIN_HEALTHY_PERCENTAGE]: '50' };
    expect(serve(half, group('healthy', 'unhealthy', 'unhealthy'))).toEqual(['t0', 't1', 't2']);
    expect(serve(half, group('healthy', 'healthy', 'unhealthy', 'unhealthy'))).toEqual(['t0', 't1']);
    expect(serve({ ...half, [MIN_HEALTHY_COUNT]: '3' }, group('healthy', 'healthy', 'unhealthy', 'unhealthy'))).toEqual(
      ['t0', 't1', 't2', 't3'],
    );
  });

  it('stays on the healthy targets while some are still in their first checks', () => {
    expect(serve({ [MIN_HEALTHY_COUNT]: '2' }, group('healthy', 'initial'))).toEqual(['t0']);
    expect(serve({}, group('unhealthy', 'initial'))).toEqual([]);
  });

  it('refuses values ELBv2 refuses', () => {
    expect(invalidRoutingAttribute(MIN_HEALTHY_COUNT, '0')).toBeDefined();
    expect(invalidRoutingAttribute(MIN_HEALTHY_COUNT, 'off')).toBeDefined();
    expect(invalidRoutingAttribute(MIN_HEALTHY_COUNT, '3')).toBeUndefined();
    expect(invalidRoutingAttribute(MIN_HEALTHY_PERCENTAGE, '101')).toBeDefined();
    expect(invalidRoutingAttribute(MIN_HEALTHY_PERCENTAGE, '0')).toBeDefined();
    expect(invalidRoutingAttribute(MIN_HEALTHY_PERCENTAGE, 'off')).toBeUndefined();
    expect(invalidRoutingAttribute(MIN_HEALTHY_PERCENTAGE, '100')).toBeUndefined();
  });
});
