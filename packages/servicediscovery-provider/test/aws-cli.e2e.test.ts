import { awsCliJson, requireAwsCliV2, startTestGateway, type TestGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';

const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws servicediscovery (AWS CLI v2) against localcloud', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { SERVICES: 'servicediscovery' },
      providers: { servicediscovery: createProvider },
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
    const { Instances } = await aws('list-instances', '--service-id', Service.Id);
    // CLI 2.9's model predates CreatedByAccount, so the CLI leaves it out.
    expect(Instances).toEqual([{ Id: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.7' } }]);
    const { Namespaces } = await aws('list-namespaces');
    expect(Namespaces.map((n: { Name: string }) => n.Name)).toEqual(['cli.local']);
  });
});
