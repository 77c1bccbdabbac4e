import type { Compatibility } from '@aws-sdk/client-ecs';
import { chooseLaunch, defaultLaunchType, launchTypeOf, launchTypeOfCapacityProvider } from './launch-type';

/** What ECS computes for awsvpc with a Fargate task size, and for anything else. */
const FARGATEABLE: Compatibility[] = ['EC2', 'FARGATE'];
const EC2_ONLY: Compatibility[] = ['EC2'];

describe('launch type', () => {
  it('maps capacity providers: Fargate’s own to FARGATE, any other to EC2', () => {
    expect(launchTypeOfCapacityProvider('FARGATE')).toBe('FARGATE');
    expect(launchTypeOfCapacityProvider('FARGATE_SPOT')).toBe('FARGATE');
    expect(launchTypeOfCapacityProvider('my-asg-provider')).toBe('EC2');
  });

  it('reads a record’s launch type, else its capacity provider’s, else EC2', () => {
    expect(launchTypeOf('EXTERNAL', 'FARGATE')).toBe('EXTERNAL');
    expect(launchTypeOf(undefined, 'FARGATE_SPOT')).toBe('FARGATE');
    expect(launchTypeOf(undefined, undefined)).toBe('EC2');
  });

  it('defaults to FARGATE only for a definition Fargate could run', () => {
    expect(defaultLaunchType({ compatibilities: FARGATEABLE })).toBe('FARGATE');
    // bridge, host or none, or no Fargate task size: ECS lists only EC2.
    expect(defaultLaunchType({ compatibilities: EC2_ONLY })).toBe('EC2');
    // awsvpc with a Fargate size, but the definition asks for EC2.
    expect(defaultLaunchType({ compatibilities: FARGATEABLE, requiresCompatibilities: ['EC2'] })).toBe('EC2');
    expect(defaultLaunchType({ compatibilities: ['EC2', 'EXTERNAL'], requiresCompatibilities: ['EXTERNAL'] })).toBe(
      'EXTERNAL',
    );
  });

  it('takes the launch type asked for, then the strategy asked for, then the cluster’s, then the default', () => {
    const definition = { compatibilities: EC2_ONLY };
    const spot = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    const clusterDefault = [{ capacityProvider: 'FARGATE', weight: 1 }];
    expect(chooseLaunch({ launchType: 'EC2', clusterDefaultStrategy: clusterDefault, definition })).toEqual({
      launchType: 'EC2',
    });
    expect(
      chooseLaunch({ capacityProviderStrategy: spot, clusterDefaultStrategy: clusterDefault, definition }),
    ).toEqual({ launchType: 'FARGATE', capacityProviderStrategy: spot, capacityProviderName: 'FARGATE_SPOT' });
    expect(chooseLaunch({ capacityProviderStrategy: [], clusterDefaultStrategy: clusterDefault, definition })).toEqual({
      launchType: 'FARGATE',
      capacityProviderStrategy: clusterDefault,
      capacityProviderName: 'FARGATE',
    });
    expect(chooseLaunch({ clusterDefaultStrategy: [], definition })).toEqual({ launchType: 'EC2' });
    expect(chooseLaunch({ definition: { compatibilities: FARGATEABLE } })).toEqual({
      launchType: 'FARGATE',
    });
  });

  it('runs daemon services on EC2 by default, whatever the definition', () => {
    expect(chooseLaunch({ definition: { compatibilities: FARGATEABLE }, daemon: true })).toEqual({
      launchType: 'EC2',
    });
  });
});
