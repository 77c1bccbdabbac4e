import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  ServiceDeploymentNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  type ContainerDefinition,
  type ECSClient,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { TEST_IMAGE, removePrefixContainers, startEcsTestBed, type EcsTestBed } from './support';

/*
 * Service deployments through the unmodified SDK, against real containers, read the way the tools that
 * use them read them: Terraform's aws_ecs_service (wait_for_steady_state, sigint_rollback) and
 * ecspresso's rollback.
 */

const schedulerEnv = {
  ECS_SCHEDULER_INTERVAL_MS: '200',
  ECS_SCHEDULER_BACKOFF_BASE_MS: '200',
  ECS_SCHEDULER_BACKOFF_MAX_MS: '1000',
};

const container = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'app',
  image: TEST_IMAGE,
  command: ['sh', '-c', 'sleep 3600'],
  memory: 32,
  stopTimeout: 1,
  ...extra,
});
const MISSING_IMAGE = 'localcloud-test/does-not-exist:1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waiter = (ecs: ECSClient) => ({ client: ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 });

async function describeService(ecs: ECSClient, cluster: string, service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
}

async function describeDeployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
  const { serviceDeployments, failures } = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
  );
  expect(failures).toEqual([]);
  return serviceDeployments![0]!;
}

const FINISHED = ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'];

/** Polls the service deployment until it has finished (Terraform's waitForDeploymentTerminalStatus). */
async function waitFinished(ecs: ECSClient, arn: string, timeoutMs = 45_000): Promise<ServiceDeployment> {
  const deadline = Date.now() + timeoutMs;
  let last: ServiceDeployment | undefined;
  while (Date.now() < deadline) {
    last = await describeDeployment(ecs, arn);
    if (FINISHED.includes(last.status!)) return last;
    await sleep(200);
  }
  throw new Error(`service deployment did not finish; last seen: ${JSON.stringify(last, null, 2)}`);
}

/**
 * Terraform's operation time, taken right before it calls ECS. Over a network the call reaches AWS
 * milliseconds later; on loopback the gateway can handle it within the same millisecond, and the new
 * deployment's createdAt (epoch milliseconds on the wire) is then not after this time, which sends
 * Terraform down its older wait (flaky here, found at ~1 in 5 runs). So the clock passes into the next
 * millisecond first, as it would over any network.
 */
async function operationTimeNow(): Promise<Date> {
  const time = new Date();
  while (Date.now() <= time.getTime()) await new Promise((resolve) => setImmediate(resolve));
  return time;
}

/**
 * Terraform's wait_for_steady_state, as `statusServiceWaitForStable` in
 * internal/service/ecs/service.go does it: the PRIMARY deployment created after the operation, its id's
 * part after "/" looked for inside `targetServiceRevisionArn` among ListServiceDeployments (cluster,
 * service name, createdAt.after = the operation's time, every page), then DescribeServiceDeployments:
 * SUCCESSFUL is stable, STOPPED / ROLLBACK_FAILED / ROLLBACK_SUCCESSFUL an error with the statusReason,
 * anything else pending.
 */
async function terraformWaitForSteadyState(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  operationTime: Date,
  timeoutMs = 60_000,
): Promise<{ service: Service; serviceDeploymentArn: string }> {
  let primaryTaskSet: Service['deployments'] extends (infer D)[] | undefined ? D | undefined : never;
  let primaryDeploymentArn: string | undefined;
  let isNewPrimaryDeployment = false;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const service = await describeService(ecs, cluster, serviceName);
    if (service.status === 'ACTIVE') {
      if (!primaryTaskSet) {
        primaryTaskSet = service.deployments!.find((d) => d.status === 'PRIMARY');
        if (primaryTaskSet?.createdAt) isNewPrimaryDeployment = primaryTaskSet.createdAt > operationTime;
      }
      // Only the ECS controller with a new deployment uses service deployments; the test needs that path.
      expect(service.deploymentController?.type).toBe('ECS');
      expect(isNewPrimaryDeployment).toBe(true);
      if (!primaryDeploymentArn) {
        const parts = primaryTaskSet!.id!.split('/');
        if (parts.length < 2) throw new Error(`invalid primary task set ID format: ${primaryTaskSet!.id}`);
        const taskSetId = parts[1]!;
        const briefs: ServiceDeploymentBrief[] = [];
        // Every page, as the provider's listServiceDeploymentsPages reads them.
        let nextToken: string | undefined;
        do {
          const page = await ecs.send(
            new ListServiceDeploymentsCommand({
              cluster,
              service: serviceName,
              createdAt: { after: operationTime },
              nextToken,
            }),
          );
          briefs.push(...(page.serviceDeployments ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        primaryDeploymentArn = briefs.find((b) =>
          b.targetServiceRevisionArn?.includes(taskSetId),
        )?.serviceDeploymentArn;
      }
      if (primaryDeploymentArn) {
        const deployment = await describeDeployment(ecs, primaryDeploymentArn);
        if (deployment.status === 'SUCCESSFUL') return { service, serviceDeploymentArn: primaryDeploymentArn };
        if (['STOPPED', 'ROLLBACK_FAILED', 'ROLLBACK_SUCCESSFUL'].includes(deployment.status!)) {
          throw new Error(deployment.statusReason ?? 'Deployment failed');
        }
      }
    }
    await sleep(200);
  }
  throw new Error('timeout while waiting for the service to reach a steady state');
}

describeWithEngine('ECS service deployments on real Docker', () => {
  let bed: EcsTestBed;
  const cluster = 'deploys';
  const account = '000000000000';

  beforeAll(async () => {
    bed = await startEcsTestBed(schedulerEnv);
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const register = async (family: string, extra: Partial<ContainerDefinition> = {}) =>
    (await bed.ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container(extra)] })))
      .taskDefinition!;

  it("Terraform's wait_for_steady_state finds the PRIMARY deployment's service deployment and waits for SUCCESSFUL", async () => {
    const v1 = await register('tf');
    let operationTime = await operationTimeNow();
    await bed.ecs.send(new CreateServiceCommand({ cluster, serviceName: 'tf', taskDefinition: 'tf', desiredCount: 2 }));
    const created = await terraformWaitForSteadyState(bed.ecs, cluster, 'tf', operationTime);
    // The waiter's service is the one it described before it found the deployment SUCCESSFUL (as Terraform's
    // is), so it may still count the last task starting; once SUCCESSFUL, the service counts them all.
    expect(await describeService(bed.ecs, cluster, 'tf')).toMatchObject({ runningCount: 2, desiredCount: 2 });
    expect(created.serviceDeploymentArn).toMatch(
      new RegExp(`^arn:aws:ecs:us-east-1:${account}:service-deployment/${cluster}/tf/[A-Za-z0-9_-]{22}$`),
    );
    const firstId = created.service.deployments![0]!.id!;

    const v2 = await register('tf', { command: ['sh', '-c', 'echo v2; sleep 3600'] });
    operationTime = await operationTimeNow();
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'tf', taskDefinition: v2.taskDefinitionArn }));
    const updated = await terraformWaitForSteadyState(bed.ecs, cluster, 'tf', operationTime);
    expect(updated.serviceDeploymentArn).not.toBe(created.serviceDeploymentArn);
    const secondId = updated.service.deployments!.find((d) => d.status === 'PRIMARY')!.id!;

    const deployment = await describeDeployment(bed.ecs, updated.serviceDeploymentArn);
    const revisionArn = (id: string) =>
      `arn:aws:ecs:us-east-1:${account}:service-revision/${cluster}/tf/${id.slice('ecs-svc/'.length)}`;
    expect(deployment).toMatchObject({
      serviceArn: `arn:aws:ecs:us-east-1:${account}:service/${cluster}/tf`,
      clusterArn: `arn:aws:ecs:us-east-1:${account}:cluster/${cluster}`,
      status: 'SUCCESSFUL',
      sourceServiceRevisions: [{ arn: revisionArn(firstId) }],
      targetServiceRevision: { arn: revisionArn(secondId), requestedTaskCount: 2, runningTaskCount: 2 },
    });
    expect(deployment.createdAt!.getTime()).toBeGreaterThanOrEqual(operationTime.getTime());
    expect(deployment.finishedAt).toBeInstanceOf(Date);

    // The service's events name the same deployment ids.
    const messages = (await describeService(bed.ecs, cluster, 'tf')).events!.map((e) => e.message);
    expect(messages).toContain(`(service tf) (deployment ${secondId}) deployment completed.`);

    // Revisions are snapshots: the update changed the service, not the first revision.
    const { serviceRevisions, failures } = await bed.ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn(firstId), revisionArn(secondId)] }),
    );
    expect(failures).toEqual([]);
    expect(serviceRevisions!.map((r) => [r.serviceRevisionArn, r.taskDefinition])).toEqual([
      [revisionArn(firstId), v1.taskDefinitionArn],
      [revisionArn(secondId), v2.taskDefinitionArn],
    ]);
    expect(serviceRevisions![0]!.containerImages).toEqual([{ containerName: 'app', image: TEST_IMAGE }]);

    // Newest first, both of them.
    const { serviceDeployments } = await bed.ecs.send(new ListServiceDeploymentsCommand({ cluster, service: 'tf' }));
    expect(serviceDeployments!.map((d) => d.serviceDeploymentArn)).toEqual([
      updated.serviceDeploymentArn,
      created.serviceDeploymentArn,
    ]);
  });

  it("Terraform's wait fails with the reason when the circuit breaker rolls the update back (ROLLBACK_SUCCESSFUL)", async () => {
    const good = await register('cb');
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'cb',
        taskDefinition: 'cb',
        desiredCount: 1,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['cb'] });
    const bad = await register('cb', { image: MISSING_IMAGE });
    const operationTime = await operationTimeNow();
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'cb', taskDefinition: bad.taskDefinitionArn }));

    await expect(terraformWaitForSteadyState(bed.ecs, cluster, 'cb', operationTime)).rejects.toThrow(
      /^Rolled back by deployment ecs-svc\/\d{19}\.$/,
    );
    const [latest] = (await bed.ecs.send(new ListServiceDeploymentsCommand({ cluster, service: 'cb', maxResults: 1 })))
      .serviceDeployments!;
    const deployment = await describeDeployment(bed.ecs, latest!.serviceDeploymentArn!);
    expect(deployment).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      deploymentCircuitBreaker: { status: 'TRIGGERED', threshold: 3 },
      rollback: { reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    });
    expect(deployment.deploymentCircuitBreaker!.failureCount).toBeGreaterThanOrEqual(3);
    const service = await describeService(bed.ecs, cluster, 'cb');
    expect(service.taskDefinition).toBe(good.taskDefinitionArn);
    // The rollback's revision is the PRIMARY deployment's, and deploys the good definition.
    const rollbackId = service.deployments![0]!.id!;
    expect(deployment.rollback!.serviceRevisionArn).toBe(
      `arn:aws:ecs:us-east-1:${account}:service-revision/${cluster}/cb/${rollbackId.slice('ecs-svc/'.length)}`,
    );
    const { serviceRevisions } = await bed.ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [deployment.rollback!.serviceRevisionArn!] }),
    );
    expect(serviceRevisions![0]!.taskDefinition).toBe(good.taskDefinitionArn);
  });

  it('an ecspresso-style rollback: the newest PENDING/IN_PROGRESS service deployment, StopServiceDeployment ROLLBACK', async () => {
    const good = await register('eco');
    await bed.ecs.send(
      new CreateServiceCommand({ cluster, serviceName: 'eco', taskDefinition: 'eco', desiredCount: 2 }),
    );
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['eco'] });
    const before = await describeService(bed.ecs, cluster, 'eco');
    // Without a circuit breaker a deployment whose tasks cannot start stays IN_PROGRESS.
    const bad = await register('eco', { image: MISSING_IMAGE });
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'eco', taskDefinition: bad.taskDefinitionArn }));

    // ecspresso's findActiveECSDeployment: list IN_PROGRESS and PENDING ones, take the newest.
    const { serviceDeployments: active } = await bed.ecs.send(
      new ListServiceDeploymentsCommand({ cluster, service: 'eco', status: ['IN_PROGRESS', 'PENDING'] }),
    );
    expect(active).toHaveLength(1);
    const target = active!.reduce((a, b) => (b.createdAt! > a.createdAt! ? b : a));
    // The service's task definition is what ecspresso deregisters afterwards: the bad one, until the rollback.
    expect((await describeService(bed.ecs, cluster, 'eco')).taskDefinition).toBe(bad.taskDefinitionArn);
    const stopped = await bed.ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: target.serviceDeploymentArn, stopType: 'ROLLBACK' }),
    );
    expect(stopped.serviceDeploymentArn).toBe(target.serviceDeploymentArn);

    const done = await waitFinished(bed.ecs, target.serviceDeploymentArn!);
    expect(done).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL', statusReason: expect.stringMatching(/^Rolled back/) });
    await waitUntilServicesStable(waiter(bed.ecs), { cluster, services: ['eco'] });
    const after = await describeService(bed.ecs, cluster, 'eco');
    expect(after).toMatchObject({ taskDefinition: good.taskDefinitionArn, runningCount: 2 });
    expect(after.deployments).toHaveLength(1);
    expect(after.deployments![0]!.id).not.toBe(before.deployments![0]!.id);
    expect(after.events!.map((e) => e.message)).toContain(
      `(service eco) rolling back to deployment ${after.deployments![0]!.id}.`,
    );

    // Finished service deployments cannot be stopped; unknown ones are not found.
    await expect(
      bed.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: target.serviceDeploymentArn })),
    ).rejects.toMatchObject({ name: 'ConflictException' });
    const unknown = target.serviceDeploymentArn!.replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAAA');
    await expect(
      bed.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: unknown })),
    ).rejects.toBeInstanceOf(ServiceDeploymentNotFoundException);
  });
});

describeWithEngine('ECS service deployments across a gateway restart (PERSISTENCE=1)', () => {
  let dataDir: string;
  const prefix = `lcsd${Date.now().toString(36)}`;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-deploys-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps service deployments and revisions, and the next update starts from the kept revision', async () => {
    const env = { ...schedulerEnv, PERSISTENCE: '1', DATA_DIR: dataDir };
    const first = await startEcsTestBed(env, prefix);
    let second: EcsTestBed | undefined;
    try {
      await first.ecs.send(new RegisterTaskDefinitionCommand({ family: 'kept', containerDefinitions: [container()] }));
      await first.ecs.send(new CreateServiceCommand({ serviceName: 'kept', taskDefinition: 'kept', desiredCount: 1 }));
      await waitUntilServicesStable(waiter(first.ecs), { services: ['kept'] });
      const [kept] = (await first.ecs.send(new ListServiceDeploymentsCommand({ service: 'kept' }))).serviceDeployments!;
      const before = await waitFinished(first.ecs, kept!.serviceDeploymentArn!);
      expect(before.status).toBe('SUCCESSFUL');
      await first.close();

      second = await startEcsTestBed(env, prefix);
      expect(await describeDeployment(second.ecs, kept!.serviceDeploymentArn!)).toEqual(before);
      const operationTime = await operationTimeNow();
      await second.ecs.send(new UpdateServiceCommand({ service: 'kept', forceNewDeployment: true }));
      const { serviceDeploymentArn } = await terraformWaitForSteadyState(second.ecs, 'default', 'kept', operationTime);
      expect(await describeDeployment(second.ecs, serviceDeploymentArn)).toMatchObject({
        status: 'SUCCESSFUL',
        sourceServiceRevisions: [{ arn: before.targetServiceRevision!.arn }],
      });
    } finally {
      await second?.close();
      if (!second) await first.close().catch(() => undefined);
      await removePrefixContainers(first.docker, prefix);
    }
  });
});
