import { DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { isLogsSink, type LogsSink } from '@localcloud/logs-provider';
import { useLogsGateway } from './support';

/** The in-process API ECS's awslogs driver uses, read back through the public API. */
describe('LogsSink', () => {
  const gw = useLogsGateway();
  const scope = { accountId: '700000000001', region: 'us-east-1' };
  const sink = (): LogsSink => {
    const provider = gw.gateway.gateway.registry.get('logs');
    if (!isLogsSink(provider)) throw new Error('the logs provider does not offer LogsSink');
    return provider;
  };
  // ECS looks it up, which loads it on first use: so does this test, before reading it synchronously.
  beforeAll(() => gw.gateway.gateway.registry.ready('logs'));

  it('fails for a missing group unless asked to create it, like awslogs-create-group', () => {
    expect(() => sink().ensureGroup(scope, '/ecs/app', { create: false })).toThrow(
      expect.objectContaining({
        code: 'ResourceNotFoundException',
        message: 'The specified log group does not exist.',
      }),
    );
    sink().ensureGroup(scope, '/ecs/app', { create: true });
    sink().ensureGroup(scope, '/ecs/app', { create: false });
    expect(() => sink().ensureGroup(scope, 'bad name', { create: true })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterException' }),
    );
  });

  it('creates a stream once and delivers any number of events in timestamp order', async () => {
    sink().ensureGroup(scope, '/ecs/burst', { create: true });
    sink().ensureStream(scope, '/ecs/burst', 'web/app/0123456789abcdef');
    sink().ensureStream(scope, '/ecs/burst', 'web/app/0123456789abcdef');
    const now = Date.now();
    // 25,000 lines in one call, the second half handed over first.
    const lines = Array.from({ length: 25_000 }, (_, i) => ({ timestamp: now - 25_000 + i, message: `line ${i}` }));
    sink().putEvents(scope, '/ecs/burst', 'web/app/0123456789abcdef', [
      ...lines.slice(12_500),
      ...lines.slice(0, 12_500),
    ]);
    sink().putEvents(scope, '/ecs/burst', 'web/app/0123456789abcdef', [{ timestamp: now, message: '' }]);

    const logs = gw.client(scope.accountId);
    const target = { logGroupName: '/ecs/burst', logStreamName: 'web/app/0123456789abcdef' };
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/burst' }))).logStreams).toHaveLength(1);
    const read: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ ...target, startFromHead: true, nextToken: token }));
      if (page.events!.length === 0) break;
      read.push(...page.events!.map((e) => e.message!));
      token = page.nextForwardToken;
    }
    expect(read).toEqual(lines.map((l) => l.message));
  });

  it('refuses events for a stream that does not exist', () => {
    sink().ensureGroup(scope, '/ecs/none', { create: true });
    expect(() => sink().putEvents(scope, '/ecs/none', 'missing', [{ timestamp: Date.now(), message: 'x' }])).toThrow(
      expect.objectContaining({
        code: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      }),
    );
  });
});
