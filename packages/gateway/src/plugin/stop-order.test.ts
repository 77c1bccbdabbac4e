import { LookupGraph } from './stop-order';

/** The stop order of `started` (start order) after `lookups` ([user, used]), with the cycles reported. */
function order(started: string[], lookups: [string, string][]) {
  const graph = new LookupGraph();
  for (const [user, used] of lookups) graph.record(user, used);
  const cycles: [string, string[]][] = [];
  const stops = graph.stopOrder(started, (stopped, lookedUpBy) => cycles.push([stopped, lookedUpBy]));
  return { stops, cycles };
}

describe('LookupGraph.stopOrder', () => {
  it('stops newest first when nobody looked anybody up', () => {
    expect(order(['ecs', 'logs', 'ssm'], [])).toEqual({ stops: ['ssm', 'logs', 'ecs'], cycles: [] });
  });

  it('stops a provider before those it looked up, though they started after it', () => {
    const { stops, cycles } = order(
      ['ecs', 'logs', 'servicediscovery', 'elasticloadbalancing'],
      [
        ['ecs', 'logs'],
        ['ecs', 'servicediscovery'],
        ['ecs', 'elasticloadbalancing'],
      ],
    );
    expect(stops[0]).toBe('ecs');
    // Among those nobody left looks up: newest first.
    expect(stops).toEqual(['ecs', 'elasticloadbalancing', 'servicediscovery', 'logs']);
    expect(cycles).toEqual([]);
  });

  it('follows chains of lookups: a user of a user stops first', () => {
    expect(
      order(
        ['logs', 'secretsmanager', 'ecs'],
        [
          ['secretsmanager', 'logs'],
          ['ecs', 'secretsmanager'],
        ],
      ).stops,
    ).toEqual(['ecs', 'secretsmanager', 'logs']);
    expect(
      order(
        ['logs', 'ecs', 'secretsmanager'],
        [
          ['ecs', 'secretsmanager'],
          ['secretsmanager', 'logs'],
        ],
      ).stops,
    ).toEqual(['ecs', 'secretsmanager', 'logs']);
  });

  it('ignores lookups of providers that did not start, and of a provider by itself', () => {
    expect(
      order(
        ['logs', 'ecs'],
        [
          ['ecs', 'ecs'],
          ['ecs', 'sqs'],
          ['sqs', 'ecs'],
        ],
      ),
    ).toEqual({ stops: ['ecs', 'logs'], cycles: [] });
  });

  it('breaks a cycle newest first and reports who still looked that provider up', () => {
    const { stops, cycles } = order(
      ['a', 'b', 'c', 'd'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
        ['d', 'a'],
      ],
    );
    // d looks a up and nobody looks d up: it goes first; then a → b → c → a is a cycle, c is newest.
    expect(stops).toEqual(['d', 'c', 'a', 'b']);
    expect(cycles).toEqual([['c', ['b']]]);
  });
});
