// Services on real Docker: seconds for a service of 20 tasks to reach a steady state (CreateService to
// `waitUntilServicesStable`'s condition) beside 20 containers created and started straight through the
// Engine API (dockerode) in the same run. Needs a Docker engine and the test image (npm run test-images);
// runs from the built dist.
const ecsSdk = require('@aws-sdk/client-ecs');
const { IMAGE, seconds, startBenchGateway } = require('./bench-support');

const COUNT = Number(process.env.BENCH_SERVICE_TASKS ?? 20);

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
  const bench = await startBenchGateway();
  const { ecs, docker, prefix } = bench;
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
          labels: bench.directLabels,
        });
        await docker.startContainer(id);
      }),
    );
    const direct = seconds(start);
    console.log(`service of ${COUNT} tasks, CreateService → steady state: ${viaService.toFixed(2)} s`);
    console.log(`${COUNT} containers created + started through the Engine API: ${direct.toFixed(2)} s`);
    console.log(`ratio: ${(viaService / direct).toFixed(2)}×`);

    await ecs.send(new ecsSdk.DeleteServiceCommand({ service: 'bench', force: true }));
    return [
      {
        key: `service of ${COUNT} tasks → steady state beside ${COUNT} direct containers`,
        value: `${viaService.toFixed(2)} s vs ${direct.toFixed(2)} s (${(viaService / direct).toFixed(2)}×)`,
      },
    ];
  } finally {
    await bench.close();
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
