import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { supportsLaunchType, validateContainerOverrides, validateNetworkConfiguration } from './run-request';
import { QUOTED_CHARS } from '@localcloud/gateway';

const bridge: TaskDefinition = {
  networkMode: 'bridge',
  compatibilities: ['EC2'],
  containerDefinitions: [{ name: 'app' }],
};
const awsvpc: TaskDefinition = { ...bridge, networkMode: 'awsvpc', compatibilities: ['EC2', 'FARGATE'] };
const vpc = (subnets: string[], securityGroups?: string[]) => ({ awsvpcConfiguration: { subnets, securityGroups } });

describe('run request checks', () => {
  it('refuses overrides of containers the definition does not have', () => {
    expect(() => validateContainerOverrides(bridge, { containerOverrides: [{ name: 'app' }] })).not.toThrow();
    expect(() => validateContainerOverrides(bridge, { containerOverrides: [{ name: 'x' }] })).toThrow(
      'Override for container named x is not a container in the TaskDefinition.',
    );
  });

  it('honours requiresCompatibilities always, computed compatibilities only when strict', () => {
    expect(supportsLaunchType({ ...awsvpc, requiresCompatibilities: ['FARGATE'] }, 'EC2', false)).toBe(false);
    expect(supportsLaunchType(bridge, 'FARGATE', false)).toBe(true);
    expect(supportsLaunchType(bridge, 'FARGATE', true)).toBe(false);
    expect(supportsLaunchType(awsvpc, 'FARGATE', true)).toBe(true);
  });

  it('takes any awsvpc network configuration by default and checks it when strict', () => {
    expect(() => validateNetworkConfiguration(awsvpc, undefined, false)).not.toThrow();
    expect(() => validateNetworkConfiguration(awsvpc, vpc(['nope'], ['nope']), false)).not.toThrow();
    expect(() => validateNetworkConfiguration(bridge, undefined, true)).not.toThrow();
    expect(() => validateNetworkConfiguration(awsvpc, undefined, true)).toThrow(
      /Network Configuration must be provided/,
    );
    expect(() => validateNetworkConfiguration(awsvpc, vpc([]), true)).toThrow('subnets can not be empty.');
    expect(() => validateNetworkConfiguration(awsvpc, vpc(Array(17).fill('subnet-12345678')), true)).toThrow(
      /at most 16/,
    );
    expect(() => validateNetworkConfiguration(awsvpc, vpc(['subnet-1234567g']), true)).toThrow(/malformed/);
    expect(() => validateNetworkConfiguration(awsvpc, vpc(['subnet-0123456789abcdef0'], ['sg-x']), true)).toThrow(
      /security group ID 'sg-x' is malformed/,
    );
    expect(() =>
      validateNetworkConfiguration(awsvpc, vpc(['subnet-12345678'], ['sg-12345678', 'sg-0123456789abcdef0']), true),
    ).not.toThrow();
  });

  it('quotes an over-long container name, subnet or security group by its start only', () => {
    const long = (start: string) => start + 'x'.repeat(70_000);
    const messageOf = (check: () => void) => {
      try {
        check();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    const override = messageOf(() =>
      validateContainerOverrides(bridge, { containerOverrides: [{ name: long('name-') }] }),
    );
    expect(override).toBe(
      `Override for container named ${long('name-').slice(0, QUOTED_CHARS)}… is not a container in the TaskDefinition.`,
    );
    const subnet = messageOf(() => validateNetworkConfiguration(awsvpc, vpc([long('subnet-')]), true));
    expect(subnet.length).toBeLessThan(400);
    expect(subnet).toContain(`The subnet ID '${long('subnet-').slice(0, 100)}…' is malformed`);
    const group = messageOf(() => validateNetworkConfiguration(awsvpc, vpc(['subnet-12345678'], [long('sg-')]), true));
    expect(group.length).toBeLessThan(400);
    expect(group).toContain(`The security group ID '${long('sg-').slice(0, 100)}…' is malformed`);
  });
});
