// Tasks on real Docker: median seconds from RunTask to RUNNING beside creating and starting the same
// container straight through the Engine API, and the time for 50 concurrent RunTasks to reach RUNNING.
// Needs a Docker engine and the test image (npm run test-images); runs from the built dist.
const ecsSdk = require('@aws-sdk/client-ecs');
const { IMAGE, seconds, startBenchGateway } = require('./bench-support');

const RUNS = Number(process.env.BENCH_TASK_RUNS ?? 10);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT_TASKS ?? 50);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function waitRunning(ecs, taskArns) {
  const pending = new Set(taskArns);
  while (pending.size > 0) {
    const arns = [...pending].slice(0, 100);
    const { tasks } = await ecs.send(new ecsSdk.DescribeTasksCommand({ tasks: arns }));
    for (const task of tasks) {
      if (task.lastStatus === 'RUNNING') pending.delete(task.taskArn);
      else if (task.lastStatus === 'STOPPED') throw new Error(`task stopped: ${task.stoppedReason}`);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
}

async function run() {
  const bench = await startBenchGateway();
  const { ecs, docker, prefix } = bench;
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
    for (let i = 0; i < RUNS; i++) {
      let start = process.hrtime.bigint();
      const { tasks } = await ecs.send(new ecsSdk.RunTaskCommand({ taskDefinition: 'bench' }));
      await waitRunning(ecs, [tasks[0].taskArn]);
      viaEcs.push(seconds(start));
      await ecs.send(new ecsSdk.StopTaskCommand({ task: tasks[0].taskArn }));

      start = process.hrtime.bigint();
      const id = await docker.createContainer({
        name: `${prefix}_direct_${i}`,
        image: IMAGE,
        command: ['sleep', '600'],
        memory: 32 * 1024 * 1024,
        labels: bench.directLabels,
      });
      await docker.startContainer(id);
      direct.push(seconds(start));
      await docker.removeContainer(id, { force: true });
    }
    const ecsMedian = median(viaEcs);
    const directMedian = median(direct);
    console.log(`RunTask → RUNNING, median of ${RUNS}: ${ecsMedian.toFixed(3)} s`);
    console.log(`Engine API create + start, median of ${RUNS}: ${directMedian.toFixed(3)} s`);
    const ratio = ecsMedian / directMedian;
    console.log(`ratio: ${ratio.toFixed(2)}×`);

    const start = process.hrtime.bigint();
    const batches = await Promise.all(
      Array.from({ length: Math.ceil(CONCURRENT / 10) }, (_, i) =>
        ecs.send(new ecsSdk.RunTaskCommand({ taskDefinition: 'bench', count: Math.min(10, CONCURRENT - i * 10) })),
      ),
    );
    const arns = batches.flatMap((b) => b.tasks.map((t) => t.taskArn));
    await waitRunning(ecs, arns);
    const concurrent = seconds(start);
    console.log(`${arns.length} concurrent RunTasks (in batches of 10) all RUNNING: ${concurrent.toFixed(2)} s`);
    return [
      {
        key: 'RunTask → RUNNING beside Engine API create + start',
        value: `${ecsMedian.toFixed(3)} s vs ${directMedian.toFixed(3)} s (${ratio.toFixed(2)}×)`,
        target: '≤ 1.10×',
        met: ratio <= 1.1,
        short: `${ratio.toFixed(2)}x`,
      },
      { key: `${arns.length} concurrent RunTasks all RUNNING`, value: `${concurrent.toFixed(2)} s` },
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
