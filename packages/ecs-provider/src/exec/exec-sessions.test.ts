import { ExecSessions, ExecTokenRejected, type ExecTarget } from './exec-sessions';

const target: ExecTarget = {
  accountId: '000000000000',
  region: 'us-east-1',
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
  taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/abc',
  containerName: 'app',
  runtimeId: 'c0ffee',
  command: ['/bin/sh'],
};

function rejection(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExecTokenRejected) return error.reason;
    throw error;
  }
  return undefined;
}

describe('ExecSessions', () => {
  let now = 1_000_000;
  const sessions = () => new ExecSessions({ tokenTtlMs: 60_000, now: () => now });

  test('a token opens its own session once, and only its own', () => {
    const store = sessions();
    const a = store.create(target);
    const b = store.create({ ...target, containerName: 'other' });
    expect(a.tokenValue).not.toBe(b.tokenValue);
    expect(rejection(() => store.claim(a.sessionId, b.tokenValue))).toBe('invalid-token');
    expect(rejection(() => store.claim(a.sessionId, undefined))).toBe('invalid-token');
    expect(store.claim(a.sessionId, a.tokenValue)).toBe(target);
    expect(rejection(() => store.claim(a.sessionId, a.tokenValue))).toBe('already-used');
    expect(store.claim(b.sessionId, b.tokenValue).containerName).toBe('other');
    expect(rejection(() => store.claim('ecs-execute-command-nope', a.tokenValue))).toBe('unknown-session');
  });

  test('a token expires unused after its time to live', () => {
    const store = sessions();
    const a = store.create(target);
    now += 59_999;
    expect(store.isKnown(a.sessionId)).toBe(true);
    const b = store.create(target);
    now += 1;
    expect(rejection(() => store.claim(a.sessionId, a.tokenValue))).toBe('expired');
    expect(store.isKnown(a.sessionId)).toBe(false);
    expect(store.claim(b.sessionId, b.tokenValue)).toBe(target);
  });
});
