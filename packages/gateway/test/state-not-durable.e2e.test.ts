import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateHttpNamespaceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { failure, startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { KNOWN_AWS_SERVICES } from '../src/protocol/aws-services';
import { withFailingOpen, withFailingSync } from '@localcloud/persistence/testing';
import request from 'supertest';

type Send = (name: string) => Promise<unknown>;

/**
 * A write whose journal fdatasync fails is answered as the service's own server fault, HTTP 500, through
 * the unmodified SDK clients; the next write (on the store's new generation) succeeds.
 */
describe('a change the state store could not make durable', () => {
  let gateway: TestGateway;
  let dataDir: string;
  const clients: { destroy(): void }[] = [];
  const client = <C extends { destroy(): void }>(made: C): C => (clients.push(made), made);
  // One attempt: the SDK retries a 500, and the retry would succeed on the store's new generation.
  const config = () => ({
    endpoint: gateway.url,
    region: 'us-east-1',
    credentials: testCredentials(),
    maxAttempts: 1,
  });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-not-durable-'));
    gateway = await startTestGateway({
      env: {
        PERSISTENCE: '1',
        DATA_DIR: dataDir,
        SERVICES: 'ecs,ssm,secretsmanager,logs,servicediscovery,elasticloadbalancing',
        ECS_CONTAINER_PREFIX: `lcl${randomBytes(3).toString('hex')}`,
      },
    });
  });
  beforeEach(() => {
    // The store warns (LOCALCLOUD_JOURNAL_SYNC_FAILED) of each failure; not in the test's output.
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const writes: Array<[service: string, serverFault: string, send: () => Send]> = [
    [
      'ecs',
      'ServerException',
      () => {
        const ecs = client(new ECSClient(config()));
        return (name) => ecs.send(new CreateClusterCommand({ clusterName: name }));
      },
    ],
    [
      'ssm',
      'InternalServerError',
      () => {
        const ssm = client(new SSMClient(config()));
        return (name) => ssm.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String' }));
      },
    ],
    [
      'secretsmanager',
      'InternalServiceError',
      () => {
        const sm = client(new SecretsManagerClient(config()));
        return (name) => sm.send(new CreateSecretCommand({ Name: name, SecretString: 's' }));
      },
    ],
    [
      'logs',
      'ServiceUnavailableException',
      () => {
        const logs = client(new CloudWatchLogsClient(config()));
        return (name) => logs.send(new CreateLogGroupCommand({ logGroupName: name }));
      },
    ],
    [
      'servicediscovery',
      'InternalFailure',
      () => {
        const sd = client(new ServiceDiscoveryClient({ ...config(), disableHostPrefix: true }));
        return (name) => sd.send(new CreateHttpNamespaceCommand({ Name: name }));
      },
    ],
    [
      'elasticloadbalancing',
      'InternalFailure',
      () => {
        const elb = client(new ElasticLoadBalancingV2Client(config()));
        return (name) =>
          elb.send(
            new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip' }),
          );
      },
    ],
  ];

  it.each(writes)(
    "%s's server fault, %s, is its model's (or InternalFailure where it models none)",
    (service, fault) => {
      const model = JSON.parse(
        fs.readFileSync(path.join(__dirname, `../../${service}-provider/src/generated/${service}-model.json`), 'utf8'),
      ) as { errors: Record<string, { fault?: string }> };
      const serverFaults = Object.keys(model.errors).filter((name) => model.errors[name]!.fault === 'server');
      expect(KNOWN_AWS_SERVICES.find((known) => known.name === service)?.serverFault ?? 'InternalFailure').toBe(fault);
      if (fault === 'InternalFailure') expect(serverFaults.filter((name) => !/Health|Capacity/.test(name))).toEqual([]);
      else expect(serverFaults).toContain(fault);
    },
  );

  it.each(writes)('%s answers %s (HTTP 500), then takes the next write', async (service, serverFault, make) => {
    const send = make();
    await send('first');
    // Only this service's journal fails: the others' stores (and ECS's background writes) sync as usual.
    const sync = withFailingSync(1, new RegExp(`/${service}/.*journal-\\d+\\.jsonl$`));
    const refused = await failure(send('second'));
    expect(sync).toHaveBeenCalled();
    expect(refused.name).toBe(serverFault);
    expect(refused.$metadata.httpStatusCode).toBe(500);
    jest.restoreAllMocks();
    await send('third');
  });

  it('reports a service whose store refuses writes as degraded, with its failures, until a restart', async () => {
    const health = async () =>
      (await request(gateway.url).get('/_localcloud/health')).body as {
        status: string;
        services: Record<string, { status: string; stateStore?: Record<string, unknown> }>;
      };
    const send = writes.find(([service]) => service === 'ssm')![2]();
    await send('before-refusal');
    const before = (await health()).services.ssm!;
    expect(before.status).toBe('running');
    const failuresBefore = (before.stateStore?.writeFailures as number | undefined) ?? 0;

    // The sync fails, and so does the new generation meant to replace the journal.
    withFailingSync(1, /\/ssm\/.*journal-\d+\.jsonl$/);
    withFailingOpen(/\/ssm\/.*snapshot-\d+\.jsonl\.tmp$/);
    const first = await failure(send('refused-1'));
    expect([first.name, first.$metadata.httpStatusCode]).toEqual(['InternalServerError', 500]);
    jest.restoreAllMocks();
    // The disk works again, but the store refuses writes until a restart recovers from what is on it.
    const second = await failure(send('refused-2'));
    expect([second.name, second.$metadata.httpStatusCode]).toEqual(['InternalServerError', 500]);

    const after = await health();
    expect(after.status).toBe('degraded');
    expect(after.services.ssm).toMatchObject({
      status: 'degraded',
      stateStore: {
        refusingWrites: 1,
        writeFailures: failuresBefore + 2,
        lastWriteFailure: expect.stringContaining('ENOSPC'),
      },
    });
    expect(after.services.secretsmanager!.status).toBe('running');
  });
});
