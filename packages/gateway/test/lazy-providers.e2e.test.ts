import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  awsCliJson,
  requireAwsCliV2,
  startTestGateway,
  testCredentials,
  usePersistentGateway,
  type TestGateway,
} from '@localcloud/gateway/testing';

/** What `GET /_localcloud/health` says of each service. */
async function statuses(gateway: TestGateway): Promise<{ status: string; services: Record<string, string> }> {
  const res = await request(gateway.url).get('/_localcloud/health');
  const body = res.body as { status: string; services: Record<string, { status: string }> };
  const services = Object.fromEntries(Object.entries(body.services).map(([name, s]) => [name, s.status]));
  return { status: body.status, services };
}

/**
 * Every bundled provider, as `npm start` enables them: only ECS starts at boot, the others load on their first
 * request through the unmodified SDK clients and the AWS CLI.
 */
describe('providers loaded on first use (every bundled provider enabled)', () => {
  let gateway: TestGateway;
  const clients: { destroy(): void }[] = [];
  const client = <C extends { destroy(): void }>(made: C): C => (clients.push(made), made);
  const config = () => ({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { ECS_CONTAINER_PREFIX: `lcl${randomBytes(3).toString('hex')}` } });
  });
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await gateway?.close();
  });

  it('starts ECS at boot and reports the others available, not loaded, and the gateway running', async () => {
    const health = await statuses(gateway);
    expect(health.status).toBe('running');
    expect(health.services).toMatchObject({
      logs: 'available',
      ssm: 'available',
      secretsmanager: 'available',
      servicediscovery: 'available',
      elasticloadbalancing: 'available',
      ecr: 'available',
    });
    expect(health.services.ecs).not.toBe('available');
    expect(gateway.gateway.registry.isStarted('ecs')).toBe(true);
    expect(gateway.gateway.registry.get('logs')).toBeUndefined();
  });

  it('answers an ECS request and a Logs request; the Logs one loads and starts Logs alone', async () => {
    const ecs = client(new ECSClient(config()));
    await expect(ecs.send(new ListClustersCommand({}))).resolves.toMatchObject({ clusterArns: [] });
    expect(gateway.gateway.registry.get('logs')).toBeUndefined();

    const logs = client(new CloudWatchLogsClient(config()));
    // Two first requests at once: one load, both answered.
    await Promise.all([
      logs.send(new CreateLogGroupCommand({ logGroupName: '/lazy/a' })),
      logs.send(new CreateLogGroupCommand({ logGroupName: '/lazy/b' })),
    ]);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/lazy/' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/lazy/a', '/lazy/b']);

    const health = await statuses(gateway);
    expect(health.services.logs).toBe('running');
    expect(health.services.ssm).toBe('available');
    expect(gateway.gateway.registry.get('ssm')).toBeUndefined();
  });

  const cli = requireAwsCliV2();
  (cli ? it : it.skip)('loads a provider on the AWS CLI’s first request to it (Secrets Manager)', async () => {
    expect(gateway.gateway.registry.get('secretsmanager')).toBeUndefined();
    const listed = (await awsCliJson(cli!, gateway.url, ['secretsmanager', 'list-secrets'])) as { SecretList: [] };
    expect(listed.SecretList).toEqual([]);
    expect((await statuses(gateway)).services.secretsmanager).toBe('running');
  });
});

/** A provider with persisted state starts at boot: its state resumes without a request. */
describe('a provider with persisted state', () => {
  const bed = usePersistentGateway({
    env: { SERVICES: 'ssm,logs' },
    client: (gateway) => new SSMClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() }),
  });

  it('is started at boot after a restart, while one without state still waits for its first use', async () => {
    const ssm = await bed.start();
    // Without state, neither started at boot.
    expect(bed.gateway.gateway.registry.isStarted('ssm')).toBe(false);
    await ssm.send(new PutParameterCommand({ Name: '/lazy/kept', Value: 'v', Type: 'String' }));
    await bed.stop();

    await bed.start();
    expect(bed.gateway.gateway.registry.isStarted('ssm')).toBe(true);
    expect(bed.gateway.gateway.registry.isStarted('logs')).toBe(false);
    expect((await statuses(bed.gateway)).services).toEqual({ ssm: 'running', logs: 'available' });
  });
});
