import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceAttributesCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  DiscoverInstancesRevisionCommand,
  GetInstanceCommand,
  GetInstancesHealthStatusCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceAttributesCommand,
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListOperationsCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  RegisterInstanceCommand,
  ServiceDiscoveryClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateHttpNamespaceCommand,
  UpdateInstanceCustomHealthStatusCommand,
  UpdatePrivateDnsNamespaceCommand,
  UpdateServiceAttributesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';
import { failure, serviceDiscoveryClient } from './support';

describe('Cloud Map (servicediscovery) through the AWS SDK', () => {
  let gateway: TestGateway;
  let client: ServiceDiscoveryClient;

  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { SERVICES: 'servicediscovery' },
      providers: { servicediscovery: createProvider },
    });
    client = serviceDiscoveryClient(gateway.url);
  });
  afterAll(async () => {
    client.destroy();
    await gateway.close();
  });

  async function privateNamespace(name: string): Promise<string> {
    const { OperationId } = await client.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: 'vpc-local' }));
    const { Operation } = await client.send(new GetOperationCommand({ OperationId }));
    return Operation!.Targets!.NAMESPACE!;
  }

  it('creates namespaces asynchronously as AWS does: an operation that reports SUCCESS and names the namespace', async () => {
    const { OperationId } = await client.send(
      new CreateHttpNamespaceCommand({ Name: 'http-ns', Description: 'apps', Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    const { Operation } = await client.send(new GetOperationCommand({ OperationId }));
    expect(Operation).toMatchObject({ Id: OperationId, Type: 'CREATE_NAMESPACE', Status: 'SUCCESS' });
    expect(Operation!.CreateDate).toBeInstanceOf(Date);
    const id = Operation!.Targets!.NAMESPACE!;
    expect(id).toMatch(/^ns-[a-z0-9]{16}$/);

    const { Namespace } = await client.send(new GetNamespaceCommand({ Id: id }));
    expect(Namespace).toMatchObject({
      Id: id,
      Arn: `arn:aws:servicediscovery:us-east-1:000000000000:namespace/${id}`,
      Name: 'http-ns',
      Type: 'HTTP',
      Description: 'apps',
      ServiceCount: 0,
      Properties: { HttpProperties: { HttpName: 'http-ns' } },
    });
    const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceARN: Namespace!.Arn! }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'a' }]);

    await client.send(new UpdateHttpNamespaceCommand({ Id: id, Namespace: { Description: 'changed' } }));
    expect((await client.send(new GetNamespaceCommand({ Id: id }))).Namespace!.Description).toBe('changed');

    const listed = await client.send(new ListOperationsCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [id] }] }));
    expect(listed.Operations).toHaveLength(2);
    expect(listed.Operations!.every((op) => op.Status === 'SUCCESS')).toBe(true);
  });

  it('gives a private DNS namespace a hosted zone and SOA TTL, refuses a duplicate name and lists by type', async () => {
    const id = await privateNamespace('internal.local');
    const { Namespace } = await client.send(new GetNamespaceCommand({ Id: id }));
    expect(Namespace).toMatchObject({
      Type: 'DNS_PRIVATE',
      Properties: { DnsProperties: { SOA: { TTL: 15 } }, HttpProperties: { HttpName: 'internal.local' } },
    });
    expect(Namespace!.Properties!.DnsProperties!.HostedZoneId).toMatch(/^Z[A-Z0-9]{13}$/);

    await client.send(
      new UpdatePrivateDnsNamespaceCommand({
        Id: id,
        Namespace: { Properties: { DnsProperties: { SOA: { TTL: 60 } } } },
      }),
    );
    const after = await client.send(new GetNamespaceCommand({ Id: id }));
    expect(after.Namespace!.Properties!.DnsProperties!.SOA).toEqual({ TTL: 60 });

    const dup = await failure(client.send(new CreatePrivateDnsNamespaceCommand({ Name: 'internal.local', Vpc: 'v' })));
    expect(dup).toMatchObject({ name: 'NamespaceAlreadyExists', $metadata: { httpStatusCode: 400 } });

    const privates = await client.send(
      new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['DNS_PRIVATE'], Condition: 'EQ' }] }),
    );
    expect(privates.Namespaces!.map((n) => n.Name)).toContain('internal.local');
    expect(privates.Namespaces!.every((n) => n.Type === 'DNS_PRIVATE')).toBe(true);
  });

  it('pages ListNamespaces with NextToken', async () => {
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const pageOf = await client.send(new ListNamespacesCommand({ MaxResults: 1, NextToken }));
      expect(pageOf.Namespaces!.length).toBeLessThanOrEqual(1);
      seen.push(...pageOf.Namespaces!.map((n) => n.Id!));
      NextToken = pageOf.NextToken;
    } while (NextToken);
    const all = await client.send(new ListNamespacesCommand({}));
    expect(seen).toEqual(all.Namespaces!.map((n) => n.Id));
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('runs a DNS service: instances with address and port, discovery with filters, revisions, deletion rules', async () => {
    const namespaceId = await privateNamespace('shop.local');
    const { Service } = await client.send(
      new CreateServiceCommand({
        Name: 'api',
        NamespaceId: namespaceId,
        DnsConfig: {
          DnsRecords: [
            { Type: 'A', TTL: 10 },
            { Type: 'SRV', TTL: 10 },
          ],
        },
        Tags: [{ Key: 'tier', Value: 'web' }],
      }),
    );
    expect(Service).toMatchObject({
      Name: 'api',
      NamespaceId: namespaceId,
      Type: 'DNS_HTTP',
      DnsConfig: { RoutingPolicy: 'MULTIVALUE', NamespaceId: namespaceId },
      InstanceCount: 0,
    });
    expect(Service!.Id).toMatch(/^srv-[a-z0-9]{16}$/);
    const serviceId = Service!.Id!;

    const noAddress = await failure(
      client.send(
        new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'x', Attributes: { AWS_INSTANCE_PORT: '80' } }),
      ),
    );
    expect(noAddress).toMatchObject({ name: 'InvalidInput', $metadata: { httpStatusCode: 400 } });
    const noPort = await failure(
      client.send(
        new RegisterInstanceCommand({
          ServiceId: serviceId,
          InstanceId: 'x',
          Attributes: { AWS_INSTANCE_IPV4: '10.0.0.9' },
        }),
      ),
    );
    expect(noPort.name).toBe('InvalidInput');
    // Attribute values are unbounded in the model: an invalid one is quoted by its start.
    for (const [attribute, start] of [
      ['AWS_INSTANCE_IPV4', '10.0.0.'],
      ['AWS_INSTANCE_PORT', '80'],
    ] as const) {
      const value = start + 'x'.repeat(70_000);
      const invalid = await failure(
        client.send(
          new RegisterInstanceCommand({
            ServiceId: serviceId,
            InstanceId: 'x',
            Attributes: { AWS_INSTANCE_IPV4: '10.0.0.9', AWS_INSTANCE_PORT: '80', [attribute]: value },
          }),
        ),
      );
      expect(invalid).toMatchObject({ name: 'InvalidInput', message: `Invalid ${attribute}: ${value.slice(0, 100)}…` });
    }

    const rev0 = (
      await client.send(new DiscoverInstancesRevisionCommand({ NamespaceName: 'shop.local', ServiceName: 'api' }))
    ).InstancesRevision!;
    for (const [id, ip, zone] of [
      ['task-1', '10.0.0.1', 'a'],
      ['task-2', '10.0.0.2', 'b'],
    ]) {
      const { OperationId } = await client.send(
        new RegisterInstanceCommand({
          ServiceId: serviceId,
          InstanceId: id,
          Attributes: { AWS_INSTANCE_IPV4: ip!, AWS_INSTANCE_PORT: '8080', zone: zone! },
        }),
      );
      const { Operation } = await client.send(new GetOperationCommand({ OperationId }));
      expect(Operation).toMatchObject({
        Type: 'REGISTER_INSTANCE',
        Status: 'SUCCESS',
        Targets: { INSTANCE: id, SERVICE: serviceId },
      });
    }
    expect((await client.send(new GetServiceCommand({ Id: serviceId }))).Service!.InstanceCount).toBe(2);
    await expect(
      client.send(new GetInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-1' })),
    ).resolves.toMatchObject({
      Instance: { Id: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '8080', zone: 'a' } },
    });
    const listed = await client.send(new ListInstancesCommand({ ServiceId: serviceId }));
    expect(listed.Instances!.map((i) => i.Id)).toEqual(['task-1', 'task-2']);

    const discovered = await client.send(
      new DiscoverInstancesCommand({ NamespaceName: 'shop.local', ServiceName: 'api' }),
    );
    expect(discovered.Instances!.map((i) => i.InstanceId).sort()).toEqual(['task-1', 'task-2']);
    expect(discovered.Instances![0]).toMatchObject({
      NamespaceName: 'shop.local',
      ServiceName: 'api',
      HealthStatus: 'UNKNOWN',
    });
    expect(discovered.InstancesRevision).toBeGreaterThan(rev0);

    const zoneA = await client.send(
      new DiscoverInstancesCommand({ NamespaceName: 'shop.local', ServiceName: 'api', QueryParameters: { zone: 'a' } }),
    );
    expect(zoneA.Instances!.map((i) => i.InstanceId)).toEqual(['task-1']);
    // OptionalParameters narrow the answer only when something matches them.
    const optional = await client.send(
      new DiscoverInstancesCommand({
        NamespaceName: 'shop.local',
        ServiceName: 'api',
        OptionalParameters: { zone: 'z' },
      }),
    );
    expect(optional.Instances).toHaveLength(2);

    const inUse = await failure(client.send(new DeleteServiceCommand({ Id: serviceId })));
    expect(inUse).toMatchObject({ name: 'ResourceInUse', $metadata: { httpStatusCode: 409 } });
    const nsInUse = await failure(client.send(new DeleteNamespaceCommand({ Id: namespaceId })));
    expect(nsInUse.name).toBe('ResourceInUse');

    await client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-1' }));
    const afterDeregister = await client.send(
      new DiscoverInstancesCommand({ NamespaceName: 'shop.local', ServiceName: 'api' }),
    );
    expect(afterDeregister.Instances!.map((i) => i.InstanceId)).toEqual(['task-2']);
    expect(afterDeregister.InstancesRevision).toBeGreaterThan(discovered.InstancesRevision!);
    const gone = await failure(client.send(new GetInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-1' })));
    expect(gone).toMatchObject({ name: 'InstanceNotFound', $metadata: { httpStatusCode: 404 } });

    await client.send(
      new UpdateServiceCommand({
        Id: serviceId,
        Service: {
          Description: 'v2',
          DnsConfig: {
            DnsRecords: [
              { Type: 'A', TTL: 30 },
              { Type: 'SRV', TTL: 30 },
            ],
          },
        },
      }),
    );
    const updated = (await client.send(new GetServiceCommand({ Id: serviceId }))).Service!;
    expect(updated.Description).toBe('v2');
    expect(updated.DnsConfig!.DnsRecords!.map((r) => r.TTL)).toEqual([30, 30]);
    const typeChange = await failure(
      client.send(
        new UpdateServiceCommand({ Id: serviceId, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 1 }] } } }),
      ),
    );
    expect(typeChange.name).toBe('InvalidInput');

    await client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-2' }));
    await client.send(new DeleteServiceCommand({ Id: serviceId }));
    await expect(client.send(new GetServiceCommand({ Id: serviceId }))).rejects.toMatchObject({
      name: 'ServiceNotFound',
    });
    await client.send(new DeleteNamespaceCommand({ Id: namespaceId }));
    await expect(client.send(new GetNamespaceCommand({ Id: namespaceId }))).rejects.toMatchObject({
      name: 'NamespaceNotFound',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('follows custom health: AWS_INIT_HEALTH_STATUS, UpdateInstanceCustomHealthStatus, discovery by health', async () => {
    const { OperationId } = await client.send(new CreateHttpNamespaceCommand({ Name: 'health-ns' }));
    const namespaceId = (await client.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
    const { Service } = await client.send(
      new CreateServiceCommand({
        Name: 'worker',
        NamespaceId: namespaceId,
        HealthCheckCustomConfig: { FailureThreshold: 1 },
      }),
    );
    expect(Service!.Type).toBe('HTTP');
    const ServiceId = Service!.Id!;
    await client.send(new RegisterInstanceCommand({ ServiceId, InstanceId: 'w1', Attributes: { k: 'v' } }));
    await client.send(
      new RegisterInstanceCommand({ ServiceId, InstanceId: 'w2', Attributes: { AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' } }),
    );
    const status = await client.send(new GetInstancesHealthStatusCommand({ ServiceId }));
    expect(status.Status).toEqual({ w1: 'HEALTHY', w2: 'UNHEALTHY' });

    const discover = (HealthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL') =>
      client
        .send(new DiscoverInstancesCommand({ NamespaceName: 'health-ns', ServiceName: 'worker', HealthStatus }))
        .then((r) => r.Instances!.map((i) => `${i.InstanceId}:${i.HealthStatus}`).sort());
    expect(await discover()).toEqual(['w1:HEALTHY']);
    expect(await discover('UNHEALTHY')).toEqual(['w2:UNHEALTHY']);
    expect(await discover('ALL')).toEqual(['w1:HEALTHY', 'w2:UNHEALTHY']);

    await client.send(
      new UpdateInstanceCustomHealthStatusCommand({ ServiceId, InstanceId: 'w1', Status: 'UNHEALTHY' }),
    );
    expect(await discover()).toEqual([]);
    expect(await discover('HEALTHY_OR_ELSE_ALL')).toEqual(['w1:UNHEALTHY', 'w2:UNHEALTHY']);

    const missing = await failure(
      client.send(new UpdateInstanceCustomHealthStatusCommand({ ServiceId, InstanceId: 'nope', Status: 'HEALTHY' })),
    );
    expect(missing.name).toBe('InstanceNotFound');
  });

  it('refuses what AWS refuses, with its error codes', async () => {
    const { OperationId } = await client.send(new CreateHttpNamespaceCommand({ Name: 'rules-ns' }));
    const NamespaceId = (await client.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
    const dns = await failure(
      client.send(
        new CreateServiceCommand({ Name: 's', NamespaceId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 1 }] } }),
      ),
    );
    expect(dns).toMatchObject({ name: 'InvalidInput', $metadata: { httpStatusCode: 400 } });
    const { Service } = await client.send(new CreateServiceCommand({ Name: 's', NamespaceId }));
    const dup = await failure(client.send(new CreateServiceCommand({ Name: 's', NamespaceId })));
    expect(dup).toMatchObject({ name: 'ServiceAlreadyExists', $metadata: { httpStatusCode: 400 } });
    // A retry with the same CreatorRequestId is not a duplicate.
    const again = await client.send(new CreateServiceCommand({ Name: 'r', NamespaceId, CreatorRequestId: 'req-1' }));
    const retried = await client.send(new CreateServiceCommand({ Name: 'r', NamespaceId, CreatorRequestId: 'req-1' }));
    expect(retried.Service!.Id).toBe(again.Service!.Id);

    const noCustom = await failure(
      client.send(
        new UpdateInstanceCustomHealthStatusCommand({ ServiceId: Service!.Id!, InstanceId: 'i', Status: 'HEALTHY' }),
      ),
    );
    expect(noCustom).toMatchObject({ name: 'CustomHealthNotFound', $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new GetServiceCommand({ Id: 'srv-nothere' }))).rejects.toMatchObject({
      name: 'ServiceNotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(client.send(new GetOperationCommand({ OperationId: 'nope' }))).rejects.toMatchObject({
      name: 'OperationNotFound',
    });
    await expect(
      client.send(new DiscoverInstancesCommand({ NamespaceName: 'nothere', ServiceName: 's' })),
    ).rejects.toMatchObject({ name: 'NamespaceNotFound' });
    await expect(
      client.send(new DiscoverInstancesCommand({ NamespaceName: 'rules-ns', ServiceName: 'nothere' })),
    ).rejects.toMatchObject({ name: 'ServiceNotFound' });
    const invalid = await failure(client.send(new CreateHttpNamespaceCommand({} as never)));
    expect(invalid).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(invalid.message).toContain("Value null at 'Name' failed to satisfy constraint: Member must not be null");
  });

  it('tags and untags services, lists services by namespace, keeps service attributes', async () => {
    const NamespaceId = await privateNamespace('tags.local');
    const { Service } = await client.send(
      new CreateServiceCommand({ Name: 'db', NamespaceId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 5 }] } }),
    );
    const arn = Service!.Arn!;
    await client.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: 'b', Value: '2' },
    ]);
    const unknown = await failure(
      client.send(new ListTagsForResourceCommand({ ResourceARN: arn.replace(Service!.Id!, 'srv-0000000000000000') })),
    );
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });

    const inNamespace = await client.send(
      new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [NamespaceId], Condition: 'EQ' }] }),
    );
    expect(inNamespace.Services!.map((s) => s.Name)).toEqual(['db']);

    await client.send(new UpdateServiceAttributesCommand({ ServiceId: Service!.Id!, Attributes: { x: '1', y: '2' } }));
    await client.send(new DeleteServiceAttributesCommand({ ServiceId: Service!.Id!, Attributes: ['x'] }));
    expect((await client.send(new GetServiceAttributesCommand({ ServiceId: Service!.Id! }))).ServiceAttributes).toEqual(
      {
        ServiceArn: arn,
        Attributes: { y: '2' },
      },
    );
  });

  it('keeps each account and region apart', async () => {
    const other = serviceDiscoveryClient(gateway.url, 'eu-west-1');
    const otherAccount = serviceDiscoveryClient(gateway.url, 'us-east-1', '111122223333');
    try {
      await other.send(new CreateHttpNamespaceCommand({ Name: 'eu-only' }));
      expect((await other.send(new ListNamespacesCommand({}))).Namespaces!.map((n) => n.Name)).toEqual(['eu-only']);
      expect((await otherAccount.send(new ListNamespacesCommand({}))).Namespaces).toEqual([]);
      const here = (await client.send(new ListNamespacesCommand({}))).Namespaces!.map((n) => n.Name);
      expect(here).not.toContain('eu-only');
    } finally {
      other.destroy();
      otherAccount.destroy();
    }
  });

  it('needs disableHostPrefix for DiscoverInstances at a custom endpoint: the SDK prefixes data- to the host', async () => {
    const plain = new ServiceDiscoveryClient({
      endpoint: gateway.url,
      region: 'us-east-1',
      credentials: testCredentials(),
    });
    try {
      const error = await failure(plain.send(new DiscoverInstancesCommand({ NamespaceName: 'a', ServiceName: 'b' })));
      expect(error.message).toContain(`data-${new URL(gateway.url).hostname}`);
    } finally {
      plain.destroy();
    }
  });
});
