// Tasks on real Docker: median seconds from RunTask to RUNNING beside creating and starting the same
// container straight through the Engine API, and the time for 50 concurrent RunTasks to reach RUNNING.
// Needs a Docker engine and the test image (npm run test-images); runs from the built dist.
//
// Both sides are measured the same way (docs/benchmarks.md, "RunTask → RUNNING: the method"): from the
// same start, a client asks every BENCH_POLL_MS (20) whether the container runs (ECS: DescribeTasks;
// direct: whether the start has answered) while the launch goes on, so both carry the same polling delay; and each run
// starts only once the previous runs' containers are stopped and removed, so neither side shares the
// engine with the other's clean-up. Poll-free, each side's time to the Engine's own `start` event is
// printed beside it.
const { performance } = require('node:perf_hooks');
const ecsSdk = require('@aws-sdk/client-ecs');
const { IMAGE, seconds, startBenchGateway } = require('./bench-support');

const RUNS = Number(process.env.BENCH_TASK_RUNS ?? 10);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT_TASKS ?? 50);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 20);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the Engine's event times. */
const wallMs = () => performance.timeOrigin + performance.now();

async function waitRunning(ecs, taskArns) {
  const pending = new Set(taskArns);
  const runtimeIds = new Map();
  while (pending.size > 0) {
    const arns = [...pending].slice(0, 100);
    const { tasks } = await ecs.send(new ecsSdk.DescribeTasksCommand({ tasks: arns }));
    for (const task of tasks) {
      if (task.lastStatus === 'RUNNING') {
        pending.delete(task.taskArn);
        runtimeIds.set(task.taskArn, task.containers?.[0]?.runtimeId);
      } else if (task.lastStatus === 'STOPPED') throw new Error(`task stopped: ${task.stoppedReason}`);
    }
    if (pending.size > 0) await sleep(POLL_MS);
  }
  return runtimeIds;
}

async function waitStopped(ecs, taskArn) {
  for (;;) {
    const { tasks } = await ecs.send(new ecsSdk.DescribeTasksCommand({ tasks: [taskArn] }));
    if (tasks[0]?.lastStatus === 'STOPPED') return;
    await sleep(50);
  }
}

/** The time of each container's last Engine `start` event, by container id. */
async function startEvents(docker) {
  const times = new Map();
  const subscription = await docker.events(
    {},
    { onEvent: (event) => event.action === 'start' && times.set(event.id, event.time.getTime()) },
  );
  return {
    /** Waits (bounded) for the event to arrive: it is read from a stream, after the start answered. */
    async at(id) {
      for (let i = 0; i < 100 && !times.has(id); i++) await sleep(10);
      return times.get(id);
    },
    close: () => subscription.close(),
  };
}

async function run() {
  const bench = await startBenchGateway();
  const { ecs, docker, prefix } = bench;
  const events = await startEvents(docker);
  try {
    await ecs.send(
      new ecsSdk.RegisterTaskDefinitionCommand({
        family: 'bench',
        networkMode: 'bridge',
        containerDefinitions: [{ name: 'app', image: IMAGE, command: ['sleep', '600'], memory: 32, stopTimeout: 1 }],
      }),
    );
    const viaEcs = [];
    const direct = [];
    const ecsToEvent = [];
    const directToEvent = [];
    const directUnpolled = [];
    // One run of each first, not counted: the first of each pays one-off costs (connections, caches).
    for (let i = -1; i < RUNS; i++) {
      let start = process.hrtime.bigint();
      let t0 = wallMs();
      const { tasks } = await ecs.send(new ecsSdk.RunTaskCommand({ taskDefinition: 'bench' }));
      const taskArn = tasks[0].taskArn;
      const runtimeIds = await waitRunning(ecs, [taskArn]);
      const ecsSeconds = seconds(start);
      const ecsEvent = (await events.at(runtimeIds.get(taskArn))) - t0;
      await ecs.send(new ecsSdk.StopTaskCommand({ task: taskArn }));
      await waitStopped(ecs, taskArn);

      start = process.hrtime.bigint();
      t0 = wallMs();
      let returned;
      const launch = docker
        .createContainer({
          name: `${prefix}_direct_${i + 1}`,
          image: IMAGE,
          command: ['sleep', '600'],
          memory: 32 * 1024 * 1024,
          labels: bench.directLabels,
        })
        .then(async (id) => {
          await docker.startContainer(id);
          returned = seconds(start);
          return id;
        });
      let failed = false;
      launch.catch(() => (failed = true));
      // The same loop as waitRunning's, asking the client's own record of the start answer: an Engine
      // inspect sent during the start waits on the container's lock and returns with the start, so it
      // would see it at once, without the polling delay the ECS side has.
      for (;;) {
        if (returned !== undefined || failed) break;
        await sleep(POLL_MS);
      }
      const directSeconds = seconds(start);
      const id = await launch;
      const directEvent = (await events.at(id)) - t0;
      await docker.removeContainer(id, { force: true });
      if (i < 0) continue;
      viaEcs.push(ecsSeconds);
      direct.push(directSeconds);
      ecsToEvent.push(ecsEvent / 1000);
      directToEvent.push(directEvent / 1000);
      directUnpolled.push(returned);
    }
    const ecsMedian = median(viaEcs);
    const directMedian = median(direct);
    const ratio = ecsMedian / directMedian;
    const eventRatio = median(ecsToEvent) / median(directToEvent);
    console.log(
      `RunTask → RUNNING seen (DescribeTasks every ${POLL_MS} ms), median of ${RUNS}: ${ecsMedian.toFixed(3)} s`,
    );
    console.log(`Engine API create + start → answer seen (polled every ${POLL_MS} ms): ${directMedian.toFixed(3)} s`);
    console.log(`ratio: ${ratio.toFixed(2)}×`);
    console.log(
      `to the Engine's start event, no polling: RunTask ${median(ecsToEvent).toFixed(3)} s, create ${median(directToEvent).toFixed(3)} s (${eventRatio.toFixed(2)}×)`,
    );
    console.log(`Engine API create + start answered (not polled): ${median(directUnpolled).toFixed(3)} s`);

    const start = process.hrtime.bigint();
    // The gateway runs in this process: its CPU time (with the client's) per task, less load-sensitive than the wall time.
    const cpuBefore = process.cpuUsage();
    const batches = await Promise.all(
      Array.from({ length: Math.ceil(CONCURRENT / 10) }, (_, i) =>
        ecs.send(new ecsSdk.RunTaskCommand({ taskDefinition: 'bench', count: Math.min(10, CONCURRENT - i * 10) })),
      ),
    );
    const arns = batches.flatMap((b) => b.tasks.map((t) => t.taskArn));
    await waitRunning(ecs, arns);
    const concurrent = seconds(start);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerTask = (cpu.user + cpu.system) / 1000 / arns.length;
    console.log(
      `${arns.length} concurrent RunTasks (in batches of 10) all RUNNING: ${concurrent.toFixed(2)} s; ${cpuPerTask.toFixed(1)} ms CPU per task (gateway and client)`,
    );
    return [
      {
        key: `RunTask → RUNNING beside Engine API create + start (both polled every ${POLL_MS} ms)`,
        value: `${ecsMedian.toFixed(3)} s vs ${directMedian.toFixed(3)} s (${ratio.toFixed(2)}×)`,
        target: '≤ 1.10×',
        met: ratio <= 1.1,
        short: `${ratio.toFixed(2)}x`,
      },
      {
        key: "RunTask / create → the Engine's start event (no polling)",
        value: `${median(ecsToEvent).toFixed(3)} s vs ${median(directToEvent).toFixed(3)} s (${eventRatio.toFixed(2)}×)`,
      },
      {
        key: `${arns.length} concurrent RunTasks all RUNNING`,
        value: `${concurrent.toFixed(2)} s (${cpuPerTask.toFixed(1)} ms CPU per task, gateway and client)`,
      },
    ];
  } finally {
    events.close();
    await bench.close();
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
