/**
 * Fuzzes a real gateway (ECS, Logs, SSM, Secrets Manager, Cloud Map, ECR): every operation gets schema-based
 * bodies (valid-ish, and mutated: wrong types, missing members, bad enums, huge strings, deep nesting…)
 * and garbage (random bytes, truncated and non-object JSON, wrong content types, encodings, methods and
 * targets). Every answer must come within a bound and be an AWS-shaped 4xx, a 200, or a 501 for what is
 * not implemented; afterwards the gateway must still answer.
 *
 * Replay: FUZZ_SEED=<seed> (and FUZZ_ONLY=<case number> for one case); FUZZ_CASES sets the cases per
 * operation. The operations come from the providers' own `operations` sets, so new ones are fuzzed too.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { TEST_IMAGE } from '@localcloud/docker-backend/testing';
import { startTestGateway, type InputModel, type TestGateway } from '@localcloud/gateway/testing';
import { ECS_INPUT_MODEL } from '@localcloud/ecs-provider/testing';
import { LOGS_INPUT_MODEL } from '@localcloud/logs-provider/testing';
import { SECRETSMANAGER_INPUT_MODEL } from '@localcloud/secretsmanager-provider/testing';
import { SSM_INPUT_MODEL } from '@localcloud/ssm-provider/testing';
import { SERVICEDISCOVERY_INPUT_MODEL } from '@localcloud/servicediscovery-provider/testing';
import { ECR_INPUT_MODEL } from '@localcloud/ecr-provider/testing';
import { removePrefixContainers } from '../../ecs-provider/test/support';
import { Prng, caseSeed } from './fuzz/prng';
import { SchemaBodies } from './fuzz/schema-bodies';
import { operationRequest, type FuzzRequest, type FuzzTarget } from './fuzz/cases';
import { problemWith, send } from './fuzz/send';

const SEED = Number(process.env.FUZZ_SEED ?? 8);
const CASES_PER_OPERATION = Number(process.env.FUZZ_CASES ?? 20);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const REQUEST_TIMEOUT_MS = 15_000;
const CONCURRENCY = 4;
const MODELS: Readonly<Record<string, InputModel>> = {
  ecs: ECS_INPUT_MODEL,
  logs: LOGS_INPUT_MODEL,
  secretsmanager: SECRETSMANAGER_INPUT_MODEL,
  ssm: SSM_INPUT_MODEL,
  servicediscovery: SERVICEDISCOVERY_INPUT_MODEL,
  ecr: ECR_INPUT_MODEL,
};

interface Failure {
  readonly caseNumber: number;
  readonly operation: string;
  readonly label: string;
  readonly problem: string;
  readonly body: string;
}

describe('no 5xx from any input', () => {
  const prefix = `lcfz${randomBytes(3).toString('hex')}`;
  const docker = new DockerodeBackend();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({
      env: { SERVICES: 'ecs,logs,ssm,secretsmanager,servicediscovery,ecr', ECS_CONTAINER_PREFIX: prefix },
    });
  });

  afterAll(async () => {
    agent.destroy();
    await gw?.close();
    await removePrefixContainers(docker, prefix);
    await docker.close();
  });

  it('answers every fuzzed request with a bounded AWS error or a result, and stays up', async () => {
    // Providers load on first use: load every enabled one, so each is fuzzed.
    const { registry } = gw.gateway;
    await Promise.all(registry.enabledNames().map((name) => registry.ready(name)));
    const targets: FuzzTarget[] = registry.all().flatMap((provider) => {
      const model = MODELS[provider.service.name];
      if (!model) throw new Error(`no input model for provider ${provider.service.name}: add it to MODELS`);
      const bodies = new SchemaBodies(model, { image: TEST_IMAGE });
      return [...provider.operations].sort().map((operation) => ({
        targetPrefix: provider.service.targetPrefix!,
        operation,
        bodies,
      }));
    });
    expect(targets.length).toBeGreaterThan(100);

    const total = targets.length * CASES_PER_OPERATION;
    const failures: Failure[] = [];
    /** Operations some request got through to a handler's success: the fuzzer must reach past validation. */
    const succeeded = new Set<string>();
    const started = Date.now();
    let sent = 0;
    let next = ONLY ?? 0;
    const last = ONLY ?? total - 1;
    // Case n fuzzes operation n % targets: the operations interleave, so resources meet across them.
    const worker = async () => {
      for (let n = next++; n <= last; n = next++) {
        const target = targets[n % targets.length]!;
        const request = operationRequest(target, new Prng(caseSeed(SEED, n)));
        sent++;
        const problem = await send(gw.url, request, agent, REQUEST_TIMEOUT_MS).then(
          (response) => {
            if (response.status === 200) succeeded.add(target.operation);
            return problemWith(response);
          },
          (error: Error) => error.message,
        );
        if (problem) failures.push(describeFailure(n, target.operation, request, problem));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;

    const health = await send(
      gw.url,
      { method: 'GET', path: '/_localcloud/health', headers: {}, body: Buffer.alloc(0), label: 'health' },
      agent,
      REQUEST_TIMEOUT_MS,
    );
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({
      services: { ecs: expect.anything(), logs: expect.anything(), ecr: expect.anything() },
    });
    await expectStateReadable(gw.url, agent);
    // The gateway runs in this process: `__proto__` members must not have reached Object.prototype.
    expect(Object.prototype).not.toHaveProperty('polluted');

    if (failures.length > 0) {
      const shown = failures
        .slice(0, 40)
        .map((f) => JSON.stringify(f))
        .join('\n');
      throw new Error(
        `${failures.length} of ${sent} fuzzed requests failed (FUZZ_SEED=${SEED}; replay one with FUZZ_ONLY=<caseNumber>):\n${shown}`,
      );
    }
    // Visible in the test output: how much was fuzzed, how deep it got and how fast.
    console.log(
      `fuzzed ${sent} requests over ${targets.length} operations in ${seconds.toFixed(1)} s (seed ${SEED}); ` +
        `${succeeded.size} operations succeeded at least once: ${[...succeeded].sort().join(', ')}`,
    );
    if (ONLY === undefined) expect(succeeded.size).toBeGreaterThanOrEqual(15);
  }, 180_000);
});

/**
 * Whatever the fuzzed requests left behind must still read back: every listed cluster, task definition
 * and log group describes without error, so no failed request left a half-written record.
 */
async function expectStateReadable(url: string, agent: http.Agent): Promise<void> {
  const call = async (target: string, input: unknown) => {
    const response = await send(
      url,
      {
        method: 'POST',
        path: '/',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
        body: Buffer.from(JSON.stringify(input)),
        label: 'state check',
      },
      agent,
      REQUEST_TIMEOUT_MS,
    );
    expect({ target, input, status: response.status, text: response.text.slice(0, 300) }).toMatchObject({
      status: 200,
    });
    return JSON.parse(response.text) as Record<string, unknown[] | undefined>;
  };
  const ecs = (operation: string, input: unknown) => call(`AmazonEC2ContainerServiceV20141113.${operation}`, input);
  const logs = (operation: string, input: unknown) => call(`Logs_20140328.${operation}`, input);

  const { clusterArns = [] } = await ecs('ListClusters', { maxResults: 100 });
  for (const cluster of clusterArns) {
    await ecs('DescribeClusters', { clusters: [cluster], include: ['SETTINGS', 'TAGS', 'CONFIGURATIONS'] });
    await ecs('ListTasks', { cluster });
    await ecs('ListServices', { cluster });
  }
  const { taskDefinitionArns = [] } = await ecs('ListTaskDefinitions', { maxResults: 100 });
  for (const taskDefinition of taskDefinitionArns)
    await ecs('DescribeTaskDefinition', { taskDefinition, include: ['TAGS'] });
  const { logGroups = [] } = await logs('DescribeLogGroups', { limit: 50 });
  for (const group of logGroups as Array<{ logGroupName: string }>) {
    await logs('DescribeLogStreams', { logGroupName: group.logGroupName });
    await logs('FilterLogEvents', { logGroupName: group.logGroupName, limit: 100 });
  }
}

function describeFailure(caseNumber: number, operation: string, request: FuzzRequest, problem: string): Failure {
  const text = request.body.toString('utf8');
  return {
    caseNumber,
    operation,
    label: request.label,
    problem,
    body: text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text,
  };
}
