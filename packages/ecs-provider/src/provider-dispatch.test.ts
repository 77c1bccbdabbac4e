import { InMemoryBackend } from '@localcloud/docker-backend';
import winston from 'winston';
import { EcsProvider } from './provider';

const request = (operation: string) => ({
  requestId: 'r',
  service: 'ecs',
  operation,
  region: 'us-east-1',
  accountId: '000000000000',
});

/**
 * The provider sends most operations straight to their handler and only those in the checks' own operation
 * lists through the checks against other providers (provider.ts, `CHECKED_OPERATIONS`).
 */
describe('EcsProvider dispatch', () => {
  let provider: EcsProvider;
  const lookupProvider = jest.fn(async () => undefined);

  beforeEach(() => {
    lookupProvider.mockClear();
    provider = new EcsProvider(
      {
        logger: winston.createLogger({ silent: true }),
        env: { ECS_TASK_ENDPOINTS_LISTEN: 'off', ECS_CREDENTIALS_ROUTE: '0' },
        persistence: { enabled: false, dataDir: '' },
        lookupProvider,
        sharedService: (_key, create) => create(),
      },
      { backend: new InMemoryBackend({ images: ['app:1'] }) },
    );
  });

  afterEach(() => provider.stop());

  it('answers RegisterTaskDefinition and its reads without asking another provider', async () => {
    const registered = (await provider.handle(
      'RegisterTaskDefinition',
      { family: 'web', containerDefinitions: [{ name: 'app', image: 'app:1', memory: 64 }] },
      request('RegisterTaskDefinition'),
    )) as { taskDefinition: { revision: number } };
    expect(registered.taskDefinition.revision).toBe(1);
    await expect(
      provider.handle('DescribeTaskDefinition', { taskDefinition: 'web:1' }, request('DescribeTaskDefinition')),
    ).resolves.toMatchObject({ taskDefinition: { family: 'web', revision: 1 } });
    expect(lookupProvider).not.toHaveBeenCalled();
  });

  it('still checks CreateService against Cloud Map and CreateCluster’s Service Connect default', async () => {
    await provider.handle(
      'RegisterTaskDefinition',
      { family: 'web', containerDefinitions: [{ name: 'app', image: 'app:1', memory: 64 }] },
      request('RegisterTaskDefinition'),
    );
    // The registry check runs before the handler: a malformed ARN is refused before any service exists.
    await expect(
      provider.handle(
        'CreateService',
        { serviceName: 's', taskDefinition: 'web:1', serviceRegistries: [{ registryArn: 'not-an-arn' }] },
        request('CreateService'),
      ),
    ).rejects.toThrow(/service registry ARN is invalid/);
    // Service Connect's cluster default is resolved in Cloud Map before the handler: without Cloud Map, refused.
    await expect(
      provider.handle(
        'CreateCluster',
        { clusterName: 'c', serviceConnectDefaults: { namespace: 'local' } },
        request('CreateCluster'),
      ),
    ).rejects.toThrow();
    expect(lookupProvider).toHaveBeenCalledWith('servicediscovery');
  });
});
