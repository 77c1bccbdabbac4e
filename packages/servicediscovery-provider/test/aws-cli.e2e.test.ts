import type { ProviderContext } from '@localcloud/gateway';
import { awsCliJson, requireAwsCliV2, startTestGateway, type TestGateway } from '@localcloud/gateway/testing';
import { sharedNameTable } from '@localcloud/local-dns';
import { createProvider } from '../src';

const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws servicediscovery (AWS CLI v2) against localcloud', () => {
  let gateway: TestGateway;
  let context: ProviderContext;

  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { SERVICES: 'servicediscovery' },
      providers: { servicediscovery: (ctx) => createProvider((context = ctx)) },
    });
  });
  afterAll(async () => {
    await gateway.close();
  });

  const aws = (...args: string[]) => awsCliJson(cli!, gateway.url, ['servicediscovery', ...args]);

  it('creates a namespace and a service, registers and lists an instance', async () => {
    const { OperationId } = await aws('create-private-dns-namespace', '--name', 'cli.local', '--vpc', 'vpc-1');
    const { Operation } = await aws('get-operation', '--operation-id', OperationId);
    expect(Operation).toMatchObject({ Type: 'CREATE_NAMESPACE', Status: 'SUCCESS' });
    const namespaceId = Operation.Targets.NAMESPACE;
    const { Service } = await aws(
      'create-service',
      '--name',
      'web',
      '--namespace-id',
      namespaceId,
      '--dns-config',
      'DnsRecords=[{Type=A,TTL=10}]',
    );
    await aws(
      'register-instance',
      '--service-id',
      Service.Id,
      '--instance-id',
      'i-1',
      '--attributes',
      'AWS_INSTANCE_IPV4=10.0.0.7',
    );
    // The instance is in the local DNS the moment the CLI's call returned (docs/local-dns.md).
    expect(sharedNameTable(context).lookup('web.cli.local')).toEqual({
      kind: 'records',
      sets: [{ a: { addresses: ['10.0.0.7'], ttl: 10 }, routing: 'multivalue' }],
    });
    const { Instances } = await aws('list-instances', '--service-id', Service.Id);
    // CLI 2.9's model predates CreatedByAccount, so the CLI leaves it out.
    expect(Instances).toEqual([{ Id: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.7' } }]);
    const { Namespaces } = await aws('list-namespaces');
    expect(Namespaces.map((n: { Name: string }) => n.Name)).toEqual(['cli.local']);
  });
});
