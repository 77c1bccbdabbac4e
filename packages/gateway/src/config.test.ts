import { ConfigError, loadConfig, publicUrlOf } from './config';

describe('loadConfig', () => {
  it('binds 127.0.0.1:4566 and enables every bundled provider by default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4566,
      defaultRegion: 'us-east-1',
      defaultAccountId: '000000000000',
    });
    expect(Object.keys(config.providerModules)).toContain('ecs');
    expect(config.persistence.enabled).toBe(false);
  });

  it('reads GATEWAY_LISTEN, SERVICES, PERSISTENCE and DATA_DIR', () => {
    const config = loadConfig({
      GATEWAY_LISTEN: '0.0.0.0:5000',
      SERVICES: 'ecs',
      PERSISTENCE: '1',
      DATA_DIR: '/var/lib/lc',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 5000,
      persistence: { enabled: true, dataDir: '/var/lib/lc' },
    });
    expect(config.providerModules).toEqual({ ecs: '@localcloud/ecs-provider' });
  });

  it('accepts extra provider modules', () => {
    const config = loadConfig({ SERVICES: 'ecs,sqs', PROVIDER_MODULES: 'sqs=my-sqs-plugin' });
    expect(config.providerModules).toEqual({ ecs: '@localcloud/ecs-provider', sqs: 'my-sqs-plugin' });
  });

  it.each([
    [{ GATEWAY_LISTEN: 'localhost:http' }, /GATEWAY_LISTEN/],
    [{ SERVICES: 'ecs,nosuch' }, /nosuch/],
    [{ DEFAULT_ACCOUNT_ID: '12' }, /DEFAULT_ACCOUNT_ID/],
    [{ MAX_REQUEST_BODY_BYTES: '-1' }, /MAX_REQUEST_BODY_BYTES/],
  ])('rejects %p with a ConfigError', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('publicUrlOf: the URL the "ready" line names', () => {
  it('is localhost for loopback and all-addresses listeners, the address otherwise', () => {
    expect(publicUrlOf(loadConfig({}), 4566)).toBe('http://localhost:4566');
    expect(publicUrlOf(loadConfig({ GATEWAY_LISTEN: '0.0.0.0:4566' }), 4566)).toBe('http://localhost:4566');
    expect(publicUrlOf(loadConfig({ GATEWAY_LISTEN: '10.1.2.3:0' }), 40000)).toBe('http://10.1.2.3:40000');
    expect(publicUrlOf(loadConfig({ GATEWAY_LISTEN: '[fd00::1]:4566' }), 4566)).toBe('http://[fd00::1]:4566');
  });

  it('is GATEWAY_PUBLIC_URL when set (a container whose port is published elsewhere)', () => {
    const config = loadConfig({ GATEWAY_LISTEN: '0.0.0.0:4566', GATEWAY_PUBLIC_URL: 'http://localhost:4600/' });
    expect(publicUrlOf(config, 4566)).toBe('http://localhost:4600');
    expect(() => loadConfig({ GATEWAY_PUBLIC_URL: 'localhost:4566' })).toThrow(/GATEWAY_PUBLIC_URL/);
  });
});
