import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { checkServiceConnect, serviceConnectRegistries } from './configuration';

const definition = (networkMode: TaskDefinition['networkMode'] = 'awsvpc'): TaskDefinition => ({
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:1',
  networkMode,
  containerDefinitions: [
    { name: 'sidecar', portMappings: [{ containerPort: 9000 }] },
    { name: 'web', portMappings: [{ name: 'http', containerPort: 8080, appProtocol: 'http' }] },
  ],
});

describe('ECS checks of a Service Connect configuration', () => {
  it('accepts a portName of any container and a client-only configuration', () => {
    expect(() => checkServiceConnect({ enabled: true, services: [{ portName: 'http' }] }, definition())).not.toThrow();
    expect(() => checkServiceConnect({ enabled: true }, definition())).not.toThrow();
    expect(() => checkServiceConnect({ enabled: true }, definition('bridge'))).not.toThrow();
  });

  it('refuses an unknown portName, a bad or repeated discoveryName, a bad alias port and host networking', () => {
    const bad = (config: Parameters<typeof checkServiceConnect>[0], mode?: TaskDefinition['networkMode']) => () =>
      checkServiceConnect(config, definition(mode));
    expect(bad({ enabled: true, services: [{ portName: 'grpc' }] })).toThrow(/portName grpc/);
    expect(bad({ enabled: true, services: [{ portName: 'http', discoveryName: '-api' }] })).toThrow(/discoveryName/);
    expect(bad({ enabled: true, services: [{ portName: 'http', discoveryName: 'API' }] })).toThrow(/discoveryName/);
    expect(
      bad({
        enabled: true,
        services: [
          { portName: 'http', discoveryName: 'a' },
          { portName: 'http', discoveryName: 'a' },
        ],
      }),
    ).toThrow(/more than once/);
    expect(bad({ enabled: true, services: [{ portName: 'http', clientAliases: [{ port: 0 }] }] })).toThrow(/port/);
    expect(bad({ enabled: true }, 'host')).toThrow(/host network mode/);
    // Disabled: nothing to check.
    expect(bad({ enabled: false, services: [{ portName: 'grpc' }] })).not.toThrow();
  });
});

describe('the Cloud Map registrations of a server service', () => {
  it('registers the named container port in the discovery name’s Cloud Map service', () => {
    const state = {
      configuration: { enabled: true, namespace: 'arn:ns', services: [{ portName: 'http', discoveryName: 'api' }] },
      resources: [
        { discoveryName: 'api', discoveryArn: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-1' },
      ],
    };
    expect(serviceConnectRegistries(state, definition())).toEqual([
      {
        registryArn: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-1',
        containerName: 'web',
        containerPort: 8080,
      },
    ]);
    expect(serviceConnectRegistries({ ...state, configuration: { enabled: false } }, definition())).toEqual([]);
    expect(serviceConnectRegistries(undefined, definition())).toEqual([]);
  });
});
