// The gateway of `bench-growth.js`: ECS on the in-memory container backend (as bench-gateway.js), and, with
// BENCH_SEED=1, state seeded in-process through the provider's own `handle` before it listens: the same
// records the API writes, without 100,000 HTTP round trips. BENCH_GROWTH=1 adds the grown state (10,000
// task definition revisions in one family, 90,000 more across 9,000 families, 11,000 tasks of which
// 10,000 stopped, 1,000 services); 0 seeds only what the measured requests need. With --expose-gc it
// prints the heap grown per task definition and per task as one JSON line on stdout.
const path = require('node:path');

const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..');
const { createGateway, loadConfig, createLogger } = require(path.join(root, 'packages/gateway/dist'));
const { EcsProvider } = require(path.join(root, 'packages/ecs-provider/dist'));
const { InMemoryBackend } = require(path.join(root, 'packages/docker-backend/dist'));

const GROWTH = Number(process.env.BENCH_GROWTH ?? '0');
const container = { name: 'app', image: 'app:1', memory: 32, environment: [{ name: 'MODE', value: 'bench' }] };

async function seed(ecs) {
  let n = 0;
  const context = () => ({
    requestId: `seed-${n++}`,
    service: 'ecs',
    operation: 'seed',
    region: 'us-east-1',
    accountId: '000000000000',
  });
  const call = (operation, input) => ecs.handle(operation, input, context());
  // Concurrent batches: one journal sync per batch when persistent (group commit).
  const batches = async (count, make) => {
    for (let i = 0; i < count; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => make(i + j)));
    }
  };
  // The heap, and the buffers outside it (records kept as the bytes a snapshot wrote).
  const heap = () => (global.gc?.(), global.gc?.(), process.memoryUsage().heapUsed);
  const outside = () => process.memoryUsage().arrayBuffers;
  const register = (family) => call('RegisterTaskDefinition', { family, containerDefinitions: [container] });
  const runTasks = async (count) => {
    const arns = [];
    while (arns.length < count) {
      const out = await call('RunTask', { cluster: 'default', taskDefinition: 'tasks', count: 10 });
      arns.push(...out.tasks.map((t) => t.taskArn));
    }
    return arns;
  };

  await call('CreateCluster', { clusterName: 'default' });
  await call('CreateCluster', { clusterName: 'services' });
  await register('tasks');
  // 200 in `big` even when not grown: its last page then holds a full 100 ARNs, as the grown store's does
  // (10,000 revisions), so the two last pages are the same work.
  await batches(200, () => register('big'));
  await runTasks(100);
  if (GROWTH <= 0) return undefined;

  const h0 = heap();
  const o0 = outside();
  const inBig = Math.round(9800 * GROWTH);
  const across = Math.round(90000 * GROWTH);
  await batches(inBig, () => register('big'));
  await batches(across, (i) => register(`family-${String(Math.floor(i / 10)).padStart(5, '0')}`));
  const h1 = heap();
  const o1 = outside();
  const stopped = Math.round(10000 * GROWTH);
  const running = Math.round(900 * GROWTH);
  const arns = await runTasks(stopped + running);
  await batches(stopped, (i) => call('StopTask', { cluster: 'default', task: arns[i] }));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const h2 = heap();
  const o2 = outside();
  await batches(Math.round(1000 * GROWTH), (i) =>
    call('CreateService', { cluster: 'services', serviceName: `svc-${i}`, taskDefinition: 'tasks', desiredCount: 0 }),
  );
  const definitions = inBig + across;
  const tasks = arns.length;
  return {
    definitions,
    tasks,
    bytesPerDefinition: global.gc ? Math.round((h1 - h0) / definitions) : undefined,
    bytesPerTask: global.gc ? Math.round((h2 - h1) / tasks) : undefined,
    outsidePerDefinition: Math.round((o1 - o0) / definitions),
    outsidePerTask: Math.round((o2 - o1) / tasks),
  };
}

async function main() {
  const config = loadConfig();
  const backend = new InMemoryBackend({ images: ['app:1'] });
  let ecs;
  const gateway = await createGateway({
    config,
    logger: createLogger(config.logLevel),
    providers: { ecs: (c) => (ecs = new EcsProvider(c, { backend })) },
  });
  if (process.env.BENCH_SEED === '1') {
    const started = Date.now();
    const figures = await seed(ecs);
    console.log(JSON.stringify({ seeded: { ...figures, seconds: (Date.now() - started) / 1000 } }));
  }
  await gateway.listen();
  if (process.env.BENCH_SEED !== '1' && global.gc) {
    // Memory held once started from the state on disk (records not yet read stay as bytes outside the heap).
    global.gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    console.log(JSON.stringify({ loaded: { heapUsed, arrayBuffers } }));
  }
  const stop = () => gateway.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
