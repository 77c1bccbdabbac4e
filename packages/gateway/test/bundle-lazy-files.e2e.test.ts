import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetNamespaceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { failure, testCredentials } from '@localcloud/gateway/testing';
import { LOADER, startBuiltGateway, type BuiltGateway } from './built-gateway';

/** Preloaded into the gateway: names on stderr each provider's lazy file the process reads. */
const PRELOAD = `
const fs = require('node:fs');
const read = fs.readFileSync;
fs.readFileSync = function (file) {
  if (/localcloud\\.lazy\\./.test(String(file))) process.stderr.write('lazy file read: ' + require('node:path').basename(String(file)) + '\\n');
  return read.apply(this, arguments);
};
const http = require('node:http');
const emit = http.Server.prototype.emit;
let reported = false;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && !reported && String(req.headers['x-amz-target']).endsWith('.ListClusters')) {
    reported = true;
    res.once('finish', () => {
      const builtIns = process.moduleLoadList.filter((m) => /^NativeModule [^/]+$|^NativeModule fs\\/promises$/.test(m));
      process.stderr.write('built-ins at the first ECS answer: ' + builtIns.map((m) => m.slice(13)).join(' ') + '\\n');
    });
  }
  return emit.apply(this, arguments);
};
`;

/** Built-ins left to their first use (scripts/bundle.js, FIRST_USE): none of them serves ListClusters. */
const DEFERRED_BUILT_INS = ['zlib', 'fs/promises'];

/**
 * `npm start`'s file as built (scripts/bundle.js): ECS in the bundle, every other bundled provider in a
 * file of its own that is read on the provider's first use, with the bundle's one instance of the
 * gateway, persistence and aws-model. A provider holding a second copy of the gateway would turn its
 * modelled errors into 500 InternalFailure (the edge renders only its own `ServiceError` class).
 */
describe('the built bundle: providers in lazy files (needs `npm run build`)', () => {
  let gateway: BuiltGateway;
  let endpoint: string;
  const stderr = () => gateway.stderr();
  const clients: { destroy(): void }[] = [];
  const config = () => ({ endpoint, region: 'us-east-1', credentials: testCredentials() });
  const client = <C extends { destroy(): void }>(made: C): C => (clients.push(made), made);
  const lazyReads = () => [...stderr().matchAll(/lazy file read: (\S+)/g)].map((match) => match[1]);

  beforeAll(async () => {
    gateway = await startBuiltGateway(LOADER, {
      preload: PRELOAD,
      env: {
        // Its own prefix, as the other e2e gateways here have.
        ECS_CONTAINER_PREFIX: `lcl${randomBytes(3).toString('hex')}`,
        ECS_TASK_OUTPUT: 'off',
        ECR_REGISTRY_LISTEN: '127.0.0.1:0',
      },
    });
    endpoint = gateway.endpoint;
  });
  afterAll(async () => {
    clients.forEach((made) => made.destroy());
    await gateway?.stop();
  });

  it('reads no lazy file to start and answer ECS', async () => {
    const ecs = client(new ECSClient(config()));
    await expect(ecs.send(new ListClustersCommand({}))).resolves.toMatchObject({ clusterArns: [] });
    expect(lazyReads()).toEqual([]);
    // The preload writes its line once the answer is written: it may reach us just after the answer.
    for (let i = 0; i < 100 && !/built-ins at the first ECS answer/.test(stderr()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const builtIns = /built-ins at the first ECS answer: (.*)/.exec(stderr())?.[1]?.split(' ');
    expect(builtIns).toEqual(expect.arrayContaining(['http', 'crypto']));
    for (const name of DEFERRED_BUILT_INS) expect(builtIns).not.toContain(name);
  });

  /** ListClusters with `content-encoding: gzip` and `body` as it is (gzipped or not). */
  const gzippedListClusters = (body: Buffer | string) =>
    fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'content-encoding': 'gzip',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0',
      },
      body,
    });

  it('inflates a gzip request body through the deferred zlib', async () => {
    const res = await gzippedListClusters(zlib.gzipSync('{"maxResults": 1}'));
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { clusterArns: [] } });
    const broken = await gzippedListClusters('{}');
    expect(broken.status).toBe(400);
  });

  it("reads a provider's file on its first request, once, and answers with its modelled errors", async () => {
    const ssm = client(new SSMClient(config()));
    await ssm.send(new PutParameterCommand({ Name: '/lazy/one', Value: 'v', Type: 'String' }));
    await expect(ssm.send(new GetParameterCommand({ Name: '/lazy/one' }))).resolves.toMatchObject({
      Parameter: { Value: 'v' },
    });
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/lazy/none' })))).toMatchObject({
      name: 'ParameterNotFound',
      $metadata: { httpStatusCode: 400 },
    });
    expect(lazyReads()).toEqual(['localcloud.lazy.ssm-provider.js']);
  });

  it('serves every other lazy provider through the one gateway instance', async () => {
    const failures = {
      logs: await failure(
        client(new CloudWatchLogsClient(config())).send(new DeleteLogGroupCommand({ logGroupName: 'none' })),
      ),
      secretsmanager: await failure(
        client(new SecretsManagerClient(config())).send(new GetSecretValueCommand({ SecretId: 'none' })),
      ),
      servicediscovery: await failure(
        client(new ServiceDiscoveryClient(config())).send(new GetNamespaceCommand({ Id: 'ns-none' })),
      ),
      ecr: await failure(
        client(new ECRClient(config())).send(new DescribeRepositoriesCommand({ repositoryNames: ['none'] })),
      ),
      elasticloadbalancing: await failure(
        client(new ElasticLoadBalancingV2Client(config())).send(new DescribeLoadBalancersCommand({ Names: ['none'] })),
      ),
    };
    expect(Object.fromEntries(Object.entries(failures).map(([name, error]) => [name, error.name]))).toEqual({
      logs: 'ResourceNotFoundException',
      secretsmanager: 'ResourceNotFoundException',
      servicediscovery: 'NamespaceNotFound',
      ecr: 'RepositoryNotFoundException',
      elasticloadbalancing: 'LoadBalancerNotFoundException',
    });
    expect(lazyReads().sort()).toEqual(
      [
        'ecr-provider',
        'elasticloadbalancing-provider',
        'logs-provider',
        'secretsmanager-provider',
        'servicediscovery-provider',
        'ssm-provider',
      ].map((name) => `localcloud.lazy.${name}.js`),
    );
  });
});
