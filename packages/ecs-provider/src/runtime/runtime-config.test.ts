import { EcsConfigError } from './config-error';
import { loadEcsRuntimeConfig } from './runtime-config';
import { loadSchedulerConfig } from '../scheduler/service-scheduler';

describe('task endpoint settings', () => {
  it('listens where tasks reach it (no host given) on a free port by default, with the credentials route on', () => {
    const config = loadEcsRuntimeConfig({});
    expect(config.taskEndpoints).toEqual({ port: 0 });
    expect(config.credentialsRoute).toBe(true);
    expect(config.taskEndpointsHost).toBeUndefined();
  });

  it('reads [host:]port, off, and the advertised host', () => {
    expect(loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: '4590' }).taskEndpoints).toEqual({ port: 4590 });
    expect(loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: '0.0.0.0:4590' }).taskEndpoints).toEqual({
      host: '0.0.0.0',
      port: 4590,
    });
    expect(loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: '172.17.0.1:4590' }).taskEndpoints).toEqual({
      host: '172.17.0.1',
      port: 4590,
    });
    expect(loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: 'off' }).taskEndpoints).toBeUndefined();
    expect(loadEcsRuntimeConfig({ ECS_CREDENTIALS_ROUTE: '0' }).credentialsRoute).toBe(false);
    expect(loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_HOST: 'localcloud' }).taskEndpointsHost).toBe('localcloud');
  });

  it('refuses a listen address that is not one', () => {
    expect(() => loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: 'nope' })).toThrow(EcsConfigError);
    expect(() => loadEcsRuntimeConfig({ ECS_TASK_ENDPOINTS_LISTEN: '1.2.3.4:99999' })).toThrow(EcsConfigError);
  });
});

describe('ECS_TASK_OUTPUT', () => {
  it('prints task output on the console by default, and not with off; anything else is refused', () => {
    expect(loadEcsRuntimeConfig({}).taskOutput).toBe('console');
    expect(loadEcsRuntimeConfig({ ECS_TASK_OUTPUT: 'off' }).taskOutput).toBe('off');
    expect(() => loadEcsRuntimeConfig({ ECS_TASK_OUTPUT: 'stdout' })).toThrow(/ECS_TASK_OUTPUT/);
  });
});

describe('numeric settings', () => {
  it('refuses a value that is not a positive integer, naming the setting', () => {
    expect(() => loadEcsRuntimeConfig({ ECS_STOPPED_TASK_RETENTION_SECONDS: 'soon' })).toThrow(EcsConfigError);
    expect(() => loadEcsRuntimeConfig({ ECS_AWSLOGS_POSITION_INTERVAL_MS: '-1' })).toThrow(/POSITION_INTERVAL/);
    expect(loadEcsRuntimeConfig({}).awslogsPositionIntervalMs).toBe(1000);
    expect(() => loadSchedulerConfig({ ECS_SCHEDULER_INTERVAL_MS: '0' })).toThrow(/ECS_SCHEDULER_INTERVAL_MS/);
    expect(loadSchedulerConfig({ ECS_SCHEDULER_INTERVAL_MS: '250' }).intervalMs).toBe(250);
    expect(loadSchedulerConfig({}).intervalMs).toBe(1000);
  });
});

describe('strict validation', () => {
  it('is off by default, on with ECS_STRICT_VALIDATION=1, and refuses a value that is not a switch', () => {
    expect(loadEcsRuntimeConfig({}).strictValidation).toBe(false);
    expect(loadEcsRuntimeConfig({ ECS_STRICT_VALIDATION: '1' }).strictValidation).toBe(true);
    expect(loadEcsRuntimeConfig({ ECS_STRICT_VALIDATION: 'off' }).strictValidation).toBe(false);
    expect(() => loadEcsRuntimeConfig({ ECS_STRICT_VALIDATION: 'strict' })).toThrow(/ECS_STRICT_VALIDATION/);
  });
});
