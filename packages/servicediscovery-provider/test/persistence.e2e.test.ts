import {
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DiscoverInstancesCommand,
  GetOperationCommand,
  GetServiceCommand,
  ListNamespacesCommand,
  ListTagsForResourceCommand,
  RegisterInstanceCommand,
} from '@aws-sdk/client-servicediscovery';
import { usePersistentGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';
import { serviceDiscoveryClient } from './support';

describe('Cloud Map state across a gateway restart (PERSISTENCE=1)', () => {
  const { start, stop } = usePersistentGateway({
    env: { SERVICES: 'servicediscovery' },
    providers: { servicediscovery: createProvider },
    client: (gateway) => serviceDiscoveryClient(gateway.url, 'eu-central-1'),
  });

  it('keeps namespaces, services, instances, operations, tags and the instances revision', async () => {
    let sd = await start();
    const { OperationId } = await sd.send(
      new CreatePrivateDnsNamespaceCommand({ Name: 'kept.local', Vpc: 'vpc-1', Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    const namespaceId = (await sd.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
    const { Service } = await sd.send(
      new CreateServiceCommand({
        Name: 'api',
        NamespaceId: namespaceId,
        DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
        HealthCheckCustomConfig: { FailureThreshold: 1 },
      }),
    );
    await sd.send(
      new RegisterInstanceCommand({
        ServiceId: Service!.Id!,
        InstanceId: 'i-1',
        Attributes: { AWS_INSTANCE_IPV4: '10.1.0.1', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' },
      }),
    );
    await sd.send(
      new RegisterInstanceCommand({
        ServiceId: Service!.Id!,
        InstanceId: 'i-2',
        Attributes: { AWS_INSTANCE_IPV4: '10.1.0.2' },
      }),
    );
    const before = await sd.send(
      new DiscoverInstancesCommand({ NamespaceName: 'kept.local', ServiceName: 'api', HealthStatus: 'ALL' }),
    );
    await stop();

    sd = await start();
    const namespaces = await sd.send(new ListNamespacesCommand({}));
    expect(namespaces.Namespaces!.map((n) => n.Id)).toEqual([namespaceId]);
    expect(
      (await sd.send(new ListTagsForResourceCommand({ ResourceARN: namespaces.Namespaces![0]!.Arn! }))).Tags,
    ).toEqual([{ Key: 'k', Value: 'v' }]);
    expect((await sd.send(new GetOperationCommand({ OperationId }))).Operation!.Status).toBe('SUCCESS');
    expect((await sd.send(new GetServiceCommand({ Id: Service!.Id! }))).Service!.CreateDate).toEqual(
      Service!.CreateDate,
    );
    const after = await sd.send(
      new DiscoverInstancesCommand({ NamespaceName: 'kept.local', ServiceName: 'api', HealthStatus: 'ALL' }),
    );
    expect({ ...after, $metadata: undefined }).toEqual({ ...before, $metadata: undefined });
    expect(after.Instances!.map((i) => `${i.InstanceId}:${i.HealthStatus}`)).toEqual(['i-1:UNHEALTHY', 'i-2:HEALTHY']);
  });
});
