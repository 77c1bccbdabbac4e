// One RunTask of the bench's task, traced step by step with timestamps (ms after RunTask is sent): every
// Engine API call of the gateway's Docker backend (called → returned), every stored status change, the
// Engine's own `create`/`start` events, and when a DescribeTasks poller sees RUNNING. Then the same for a
// direct create + start. `node scripts/trace-runtask.js [runs]` after `npm run build`; prints one line
// per run and the medians. Not part of `npm run bench`: it patches the backend's prototype to time it.
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const ecsSdk = require('@aws-sdk/client-ecs');
const { IMAGE, startBenchGateway } = require('./bench-support');

const root = path.join(__dirname, '..');
const { DockerodeBackend } = require(path.join(root, 'packages/docker-backend/dist'));
const { TaskRuntime } = require(path.join(root, 'packages/ecs-provider/dist/runtime/task-runtime'));

const RUNS = Number(process.argv[2] ?? 10);
const POLL_MS = Number(process.env.TRACE_POLL_MS ?? 5);
const now = () => performance.timeOrigin + performance.now();
let marks = [];
const mark = (name) => marks.push([name, now()]);

// Every backend call the launch makes, timed.
for (const method of [
  'createContainer',
  'startContainer',
  'inspectContainer',
  'inspectImage',
  'ensureImage',
  'inspectNetwork',
  'ensureNetwork',
  'containerLogBatches',
]) {
  const original = DockerodeBackend.prototype[method];
  if (method === 'containerLogBatches') {
    DockerodeBackend.prototype[method] = function (...args) {
      mark('logs follow opened');
      return original.apply(this, args);
    };
    continue;
  }
  DockerodeBackend.prototype[method] = async function (...args) {
    mark(`${method} called`);
    try {
      return await original.apply(this, args);
    } finally {
      mark(`${method} returned`);
    }
  };
}
// Every Engine API request (docker-modem's dial), counted per run: the follower's inspect is not a
// backend method call, so it would not show above.
const Modem = require('docker-modem');
const dial = Modem.prototype.dial;
let engineRequests = [];
Modem.prototype.dial = function (options, callback) {
  engineRequests.push(`${options.method} ${String(options.path).split('?')[0]}`);
  return dial.call(this, options, callback);
};
const mutate = TaskRuntime.prototype.mutate;
TaskRuntime.prototype.mutate = function (ref, change) {
  const before = this.options.repository.get(ref)?.lastStatus;
  const next = mutate.call(this, ref, change);
  mark(next && next.lastStatus !== before ? `stored ${next.lastStatus}` : 'stored (same status)');
  return next;
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const bench = await startBenchGateway();
  const { ecs, docker, prefix } = bench;
  const engineEvents = [];
  const events = await docker.events(
    {},
    {
      onEvent: (event) => {
        if (event.action === 'create' || event.action === 'start') {
          engineEvents.push([`engine ${event.action} event`, event.time.getTime(), event.id]);
        }
      },
    },
  );
  const runs = [];
  try {
    await ecs.send(
      new ecsSdk.RegisterTaskDefinitionCommand({
        family: 'bench',
        networkMode: 'bridge',
        containerDefinitions: [{ name: 'app', image: IMAGE, command: ['sleep', '600'], memory: 32, stopTimeout: 1 }],
      }),
    );
    for (let i = 0; i < RUNS + 1; i++) {
      marks = [];
      engineEvents.length = 0;
      engineRequests = [];
      const t0 = now();
      mark('RunTask sent');
      const { tasks } = await ecs.send(new ecsSdk.RunTaskCommand({ taskDefinition: 'bench' }));
      mark('RunTask answered');
      let runtimeId;
      for (;;) {
        const { tasks: seen } = await ecs.send(new ecsSdk.DescribeTasksCommand({ tasks: [tasks[0].taskArn] }));
        runtimeId = seen[0].containers?.[0]?.runtimeId;
        if (seen[0].lastStatus === 'RUNNING') break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      mark('poller saw RUNNING');
      await new Promise((r) => setTimeout(r, 100));
      // Only this task's container: other sessions' containers share the engine.
      const viaEcs = [...marks, ...engineEvents.filter((e) => e[2] === runtimeId)]
        .map(([name, t]) => [name, t - t0])
        .sort((a, b) => a[1] - b[1]);
      const requests = engineRequests.filter((r) => !r.endsWith('/events'));
      await ecs.send(new ecsSdk.StopTaskCommand({ task: tasks[0].taskArn }));
      // The next run starts once this task's containers are gone, so no clean-up shares the engine with it.
      for (;;) {
        const { tasks: seen } = await ecs.send(new ecsSdk.DescribeTasksCommand({ tasks: [tasks[0].taskArn] }));
        if (seen[0].lastStatus === 'STOPPED') break;
        await new Promise((r) => setTimeout(r, 50));
      }

      marks = [];
      engineEvents.length = 0;
      const d0 = now();
      mark('create called');
      const id = await docker.createContainer({
        name: `${prefix}_direct_${i}`,
        image: IMAGE,
        command: ['sleep', '600'],
        memory: 32 * 1024 * 1024,
        labels: bench.directLabels,
      });
      mark('create returned');
      await docker.startContainer(id);
      mark('start returned');
      await new Promise((r) => setTimeout(r, 100));
      const direct = [...marks, ...engineEvents.filter((e) => e[2] === id)]
        .map(([name, t]) => [name, t - d0])
        .sort((a, b) => a[1] - b[1]);
      await docker.removeContainer(id, { force: true });
      if (i === 0) continue; // warm-up
      runs.push({ viaEcs, direct });
      const puts = viaEcs.filter(([name]) => name.startsWith('stored')).length;
      console.log(`\nrun ${i}: RunTask (${puts} task puts to RUNNING; Engine requests: ${requests.join(', ')})`);
      for (const [name, t] of viaEcs) console.log(`  ${t.toFixed(1).padStart(7)} ms  ${name}`);
      console.log(`run ${i}: direct`);
      for (const [name, t] of direct) console.log(`  ${t.toFixed(1).padStart(7)} ms  ${name}`);
    }
  } finally {
    events.close();
    await bench.close();
  }
  const at = (trace, name) => trace.find(([n]) => n === name)?.[1];
  const summary = {
    'RunTask: first create called': runs.map((r) => at(r.viaEcs, 'createContainer called')),
    'RunTask: create returned': runs.map((r) => at(r.viaEcs, 'createContainer returned')),
    'RunTask: start called': runs.map((r) => at(r.viaEcs, 'startContainer called')),
    'RunTask: engine start event': runs.map((r) => at(r.viaEcs, 'engine start event')),
    'RunTask: start returned': runs.map((r) => at(r.viaEcs, 'startContainer returned')),
    'RunTask: RUNNING stored': runs.map((r) => at(r.viaEcs, 'stored RUNNING')),
    'RunTask: poller saw RUNNING': runs.map((r) => at(r.viaEcs, 'poller saw RUNNING')),
    'direct: create returned': runs.map((r) => at(r.direct, 'create returned')),
    'direct: engine start event': runs.map((r) => at(r.direct, 'engine start event')),
    'direct: start returned': runs.map((r) => at(r.direct, 'start returned')),
    'RunTask: engine create (returned − called)': runs.map(
      (r) => at(r.viaEcs, 'createContainer returned') - at(r.viaEcs, 'createContainer called'),
    ),
    'RunTask: engine start (returned − called)': runs.map(
      (r) => at(r.viaEcs, 'startContainer returned') - at(r.viaEcs, 'startContainer called'),
    ),
    'RunTask: ours (total − engine create − engine start)': runs.map(
      (r) =>
        at(r.viaEcs, 'stored RUNNING') -
        (at(r.viaEcs, 'createContainer returned') - at(r.viaEcs, 'createContainer called')) -
        (at(r.viaEcs, 'startContainer returned') - at(r.viaEcs, 'startContainer called')),
    ),
  };
  console.log(`\nmedians of ${runs.length} runs (ms), load average ${require('node:os').loadavg()[0].toFixed(1)}:`);
  for (const [name, values] of Object.entries(summary)) {
    const known = values.filter((v) => v !== undefined && !Number.isNaN(v));
    console.log(`  ${name.padEnd(55)} ${known.length ? median(known).toFixed(1) : '-'}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
