// Services on real Docker: seconds for a service of 20 tasks to reach a steady state (CreateService to
// `waitUntilServicesStable`'s condition) beside 20 containers created and started straight through the
// Engine API (dockerode) in the same run. Needs a Docker engine and the test image (npm run test-images);
// runs from the built dist.
const { randomBytes } = require('node:crypto');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { createGateway, loadConfig, createLogger } = require(path.join(root, 'packages/gateway/dist'));
const { DockerodeBackend } = require(path.join(root, 'packages/docker-backend/dist'));
const ecsSdk = require('@aws-sdk/client-ecs');

const IMAGE = 'localcloud-test/busybox:latest';
const COUNT = Number(process.env.BENCH_SERVICE_TASKS ?? 20);

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

async function waitSteady(ecs, service) {
  for (;;) {
    const { services } = await ecs.send(new ecsSdk.DescribeServicesCommand({ services: [service] }));
    const s = services[0];
    if (s.deployments.length === 1 && s.runningCount === s.desiredCount && s.pendingCount === 0) {
      if (s.events[0]?.message === `(service ${service}) has reached a steady state.`) return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function run() {
  const prefix = `lcbench${randomBytes(3).toString('hex')}`;
  const env = { GATEWAY_LISTEN: '127.0.0.1:0', SERVICES: 'ecs', ECS_CONTAINER_PREFIX: prefix };
  const gateway = await createGateway({
    config: loadConfig(env),
    logger: createLogger('error'),
    env: { ...process.env, ...env },
  });
  const info = await gateway.listen();
  const ecs = new ecsSdk.ECSClient({
    endpoint: info.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const docker = new DockerodeBackend();
  try {
    await ecs.send(
      new ecsSdk.RegisterTaskDefinitionCommand({
        family: 'bench-svc',
        networkMode: 'bridge',
        containerDefinitions: [{ name: 'app', image: IMAGE, command: ['sleep', '600'], memory: 32, stopTimeout: 1 }],
      }),
    );
    let start = process.hrtime.bigint();
    await ecs.send(
      new ecsSdk.CreateServiceCommand({ serviceName: 'bench', taskDefinition: 'bench-svc', desiredCount: COUNT }),
    );
    await waitSteady(ecs, 'bench');
    const viaService = seconds(start);

    start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        const id = await docker.createContainer({
          name: `${prefix}_direct_${i}`,
          image: IMAGE,
          command: ['sleep', '600'],
          memory: 32 * 1024 * 1024,
          labels: { 'localcloud.bench': prefix },
        });
        await docker.startContainer(id);
      }),
    );
    const direct = seconds(start);
    console.log(`service of ${COUNT} tasks, CreateService → steady state: ${viaService.toFixed(2)} s`);
    console.log(`${COUNT} containers created + started through the Engine API: ${direct.toFixed(2)} s`);
    console.log(`ratio: ${(viaService / direct).toFixed(2)}×`);

    await ecs.send(new ecsSdk.DeleteServiceCommand({ service: 'bench', force: true }));
  } finally {
    ecs.destroy();
    await gateway.close();
    const leftovers = await docker.listContainers({ all: true, labels: { 'localcloud.bench': prefix } });
    await Promise.all(leftovers.map((c) => docker.removeContainer(c.id, { force: true })));
    await docker.close();
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
