// The process of `bench-scheduler.js`: one build's gateway (BENCH_ROOT), ECS on the in-memory container
// backend and in-memory state, measured from inside (`process.cpuUsage`), so nothing else in the process
// but the gateway and this script. Seeds a small state, measures the service handlers' CPU per request,
// grows the same cluster (stopped tasks, 1,000 services of which some run a task), waits until the
// services are steady, measures the CPU with no request, then the handlers again. Prints one JSON line.
const path = require('node:path');

const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..');
const { createGateway, loadConfig, createLogger } = require(path.join(root, 'packages/gateway/dist'));
const { EcsProvider } = require(path.join(root, 'packages/ecs-provider/dist'));
const { InMemoryBackend } = require(path.join(root, 'packages/docker-backend/dist'));

const SERVICES = Number(process.env.BENCH_SERVICES ?? '1000');
const RUNNING = Number(process.env.BENCH_RUNNING_SERVICES ?? '200');
const STOPPED = Number(process.env.BENCH_STOPPED_TASKS ?? '10000');
/** Each request is repeated until it has used this much CPU (at least 20 times, at most 20,000). */
const REQUEST_CPU_MS = Number(process.env.BENCH_REQUEST_CPU_MS ?? '300');
const IDLE_WINDOWS = 3;
const IDLE_WINDOW_MS = 3000;
const container = { name: 'app', image: 'app:1', memory: 32 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** BENCH_CPU_PROF=<file>: a V8 CPU profile of the grown state's idle windows only (not the seeding). */
async function startProfile() {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return { session, post };
}

async function stopProfile({ session, post }, file) {
  const { profile } = await post('Profiler.stop');
  require('node:fs').writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
}

async function main() {
  const config = loadConfig({ ...process.env, GATEWAY_LISTEN: '127.0.0.1:0', SERVICES: 'ecs' });
  const backend = new InMemoryBackend({ images: ['app:1'] });
  let ecs;
  const gateway = await createGateway({
    config,
    logger: createLogger('error'),
    providers: { ecs: (c) => (ecs = new EcsProvider(c, { backend })) },
  });
  await gateway.listen();
  let n = 0;
  const context = () => ({
    requestId: `bench-${n++}`,
    service: 'ecs',
    operation: 'bench',
    region: 'us-east-1',
    accountId: '000000000000',
  });
  const call = (operation, input) => ecs.handle(operation, input, context());
  const batches = async (count, make) => {
    for (let i = 0; i < count; i += 500)
      await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => make(i + j)));
  };
  const createService = (i, desiredCount) =>
    call('CreateService', { cluster: 'c', serviceName: `svc-${i}`, taskDefinition: 'web', desiredCount });
  /** Every service that should run a task runs it, and the scheduler has settled on it. */
  const steady = async (names) => {
    for (let tries = 0; tries < 600; tries++) {
      let settled = true;
      for (let i = 0; i < names.length && settled; i += 10) {
        const { services } = await call('DescribeServices', { cluster: 'c', services: names.slice(i, i + 10) });
        settled = services.every((s) => s.runningCount === s.desiredCount && s.deployments.length === 1);
      }
      if (settled) return;
      await sleep(500);
    }
    throw new Error('the services did not settle');
  };

  await call('CreateCluster', { clusterName: 'c' });
  await call('RegisterTaskDefinition', { family: 'web', containerDefinitions: [container] });
  // The measured services: ten rolling ones of one task, one with an external controller and a task set.
  for (let i = 0; i < 10; i++) await createService(i, 1);
  await call('CreateService', {
    cluster: 'c',
    serviceName: 'ext',
    taskDefinition: 'web',
    desiredCount: 1,
    deploymentController: { type: 'EXTERNAL' },
  });
  const { taskSet } = await call('CreateTaskSet', {
    cluster: 'c',
    service: 'ext',
    taskDefinition: 'web',
    scale: { value: 100, unit: 'PERCENT' },
  });
  const measured = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
  await steady(measured);
  const { serviceDeploymentArns } = await call('ListServiceDeployments', { cluster: 'c', service: 'svc-0' }).then(
    (out) => ({ serviceDeploymentArns: out.serviceDeployments.map((d) => d.serviceDeploymentArn) }),
  );

  // Each request in turn, with the schedulers stopped so that only the handler is counted.
  const requests = {
    'DescribeServices (10 services)': () => call('DescribeServices', { cluster: 'c', services: measured }),
    DescribeTaskSets: () => call('DescribeTaskSets', { cluster: 'c', service: 'ext', taskSets: [taskSet.taskSetArn] }),
    DescribeServiceDeployments: () => call('DescribeServiceDeployments', { serviceDeploymentArns }),
    'ListTasks (serviceName, STOPPED)': () =>
      call('ListTasks', { cluster: 'c', serviceName: 'svc-0', desiredStatus: 'STOPPED' }),
  };
  const handlers = async () => {
    ecs.scheduler.stop();
    ecs.daemons.stop();
    const out = {};
    try {
      for (const [name, request] of Object.entries(requests)) {
        for (let i = 0; i < 100; i++) await request(); // warm-up: the JIT, validators compiled on first use
        const before = cpuMs();
        let count = 0;
        while (count < 20 || (cpuMs() - before < REQUEST_CPU_MS && count < 20_000)) {
          await request();
          count++;
        }
        out[name] = ((cpuMs() - before) * 1000) / count;
      }
    } finally {
      ecs.scheduler.start();
      ecs.daemons.start();
    }
    return out;
  };
  const idle = async (profile) => {
    await sleep(IDLE_WINDOW_MS); // past the passes that start-up or the last change asked for
    const windows = [];
    for (let w = 0; w < IDLE_WINDOWS; w++) {
      const before = cpuMs();
      await sleep(IDLE_WINDOW_MS);
      windows.push(((cpuMs() - before) * 1000) / IDLE_WINDOW_MS);
    }
    // The profiler's sampling costs CPU itself: a window of its own, after the measured ones.
    if (profile) {
      const session = await startProfile();
      await sleep(IDLE_WINDOW_MS);
      await stopProfile(session, profile);
    }
    return windows;
  };

  const small = { handlers: await handlers(), idle: await idle() };

  // Grow the same cluster: stopped tasks of a family of their own, then the other services.
  await call('RegisterTaskDefinition', { family: 'batch', containerDefinitions: [container] });
  const arns = [];
  while (arns.length < STOPPED) {
    const out = await call('RunTask', { cluster: 'c', taskDefinition: 'batch', count: 10 });
    arns.push(...out.tasks.map((t) => t.taskArn));
  }
  await batches(arns.length, (i) => call('StopTask', { cluster: 'c', task: arns[i] }));
  await batches(SERVICES - 10, (i) => createService(10 + i, 10 + i < RUNNING ? 1 : 0));
  await steady(Array.from({ length: SERVICES }, (_, i) => `svc-${i}`));
  const grown = { idle: await idle(process.env.BENCH_CPU_PROF), handlers: await handlers() };

  console.log(JSON.stringify({ small, grown, services: SERVICES, running: RUNNING, stopped: arns.length }));
  await gateway.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
