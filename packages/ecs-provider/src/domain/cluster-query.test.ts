import { parseClusterQuery, type InstanceFacts } from './cluster-query';

const facts = (attributes: Record<string, string | undefined>, extra: Partial<InstanceFacts> = {}): InstanceFacts => ({
  attributes: new Map(Object.entries(attributes)),
  agentConnected: true,
  runningTasksCount: 2,
  taskGroups: ['service:web'],
  ec2InstanceId: 'i-0123456789abcdef0',
  ...extra,
});

describe('the cluster query language', () => {
  const local = facts({ 'ecs.os-type': 'linux', stack: 'prod', 'ecs.availability-zone': 'us-east-1a', gpu: undefined });

  it.each([
    ['attribute:stack == prod', true],
    ['attribute:stack != prod', false],
    ['attribute:stack == dev', false],
    ['attribute:gpu exists', true],
    ['attribute:missing exists', false],
    ['attribute:missing !exists', true],
    ['attribute:ecs.availability-zone in [us-east-1a, us-east-1b]', true],
    ['attribute:ecs.availability-zone not in [us-east-1a, us-east-1b]', false],
    ['attribute:ecs.availability-zone =~ us-east-1.*', true],
    ['attribute:stack == prod and attribute:ecs.os-type == windows', false],
    ['attribute:stack == prod && (attribute:ecs.os-type == windows || attribute:ecs.os-type == linux)', true],
    ['not attribute:stack == prod', false],
    ['!(attribute:stack == dev)', true],
    ['runningTasksCount > 1', true],
    ['runningTasksCount >= 3', false],
    ['ec2InstanceId == i-0123456789abcdef0', true],
    ['task:group == service:web', true],
    ['task:group != service:web', false],
    ['agentConnected == true', true],
  ])('%s is %s', (expression, expected) => {
    expect(parseClusterQuery(expression)(local)).toBe(expected);
  });

  it.each(['attribute:stack ==', 'attribute:stack like prod', '(attribute:stack == prod', 'registeredAt > 2020', ''])(
    'refuses %j',
    (expression) => {
      expect(() => parseClusterQuery(expression)).toThrow(/Invalid cluster query expression/);
    },
  );
});

describe('cluster query errors', () => {
  it('quote a huge expression bounded, never whole', () => {
    const expression = `attribute:${'x'.repeat(100_000)} ==`;
    let message = '';
    try {
      parseClusterQuery(expression);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid cluster query expression/);
    expect(message.length).toBeLessThan(400);
  });
});
