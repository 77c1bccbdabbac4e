// awslogs throughput and lag: a container writes log lines, the ECS provider ships them to CloudWatch Logs,
// and GetLogEvents reads them back. Starts the gateway (SERVICES=ecs,logs) in its own process; needs a
// Docker engine, the test image (scripts/build-test-images.sh) and `npm run build` (npm run bench does it).
//   (first a warm-up task of 2,000 lines, so that what follows measures the providers in use, not their loading)
//   sustained: lines/s from a container writing BENCH_LOG_LINES lines as fast as it can, measured from
//              the task's start to the last line being readable through GetLogEvents. The producer is
//              `awk` printing them (BENCH_LOG_PRODUCER=awk, the default): stdio-buffered writes, as most
//              programs write when their output is a pipe; BENCH_LOG_PRODUCER=sh is the busybox `sh` loop
//              of earlier rounds, one write per line (see docs/benchmarks.md, "awslogs, attach round")
//   engine:    the same container read by a bare Node client on the Engine's socket, no gateway
//              (bench-logs-engine.js), measured right before ours: the log followed, and the output
//              attached before the start (the gateway's live source); ours is given as a share of each
//   lag:       for lines written 10 per second, the time from the engine's timestamp of a line to the
//              moment a GetLogEvents poll (every 10 ms) first returns it: p50, p99, max
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const {
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  DescribeTasksCommand,
} = require('@aws-sdk/client-ecs');
const { CloudWatchLogsClient, GetLogEventsCommand } = require('@aws-sdk/client-cloudwatch-logs');

//   CPU/line:  the gateway process's own user + system CPU time over the sustained phase, per line: far
//              less disturbed than lines/s when other work shares the machine; beside it the reader's (this
//              process: the SDK's GetLogEvents paging) and the engine's (dockerd, containerd, the shims), and
//              how busy the whole machine was: whether the gateway, the reader or the engine took the cores
// BENCH_BASE_ROOT=<another built checkout> measures that build too, in the same run (before/after).
// BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' passes node flags to the gateway.
const fs = require('node:fs');
const { cpuSeconds, ticksCpuSeconds } = require('./bench-json-client');
const { engineAttachRate, engineFollowRate } = require('./bench-logs-engine');
const os = require('node:os');
const LINES = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const WARM_UP_LINES = 2000;
const LAG_LINES = Number(process.env.BENCH_LOG_LAG_LINES ?? 100);
const IMAGE = 'localcloud-test/busybox:latest';
const ROOT = path.join(__dirname, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) the process `pid` has used so far, from /proc (Linux); NaN elsewhere. */
async function startGateway(root) {
  const port = await freePort();
  const main = path.join(root, 'packages/gateway/dist/main.js');
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), main], {
    env: {
      ...process.env,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      SERVICES: 'ecs,logs',
      LOG_LEVEL: 'error',
      ECS_CONTAINER_PREFIX: `lcbench${process.pid}`,
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    const up = await fetch(`${url}/_localcloud/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, child };
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error('gateway did not start');
}

/**
 * CPU seconds used so far by the engine's processes (dockerd, containerd and the containers' shims; a shim
 * that exited is not counted) and by the whole machine (every process, from /proc/stat): over a phase, who
 * else took the two cores. NaN where there is no /proc.
 */
function engineAndMachineCpu() {
  let engine = 0;
  try {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        // The engine's Go threads may end: counted in ticks, which keep an ended thread's time.
        if (comm === 'dockerd' || comm.startsWith('containerd')) engine += ticksCpuSeconds(Number(pid));
      } catch {
        // Gone meanwhile.
      }
    }
    const ticks = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user, nice, system, (idle, iowait,) irq, softirq, steal: at 100 ticks a second, as /proc/<pid>/stat.
    const machine = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / 100;
    return { engine, machine };
  } catch {
    return { engine: NaN, machine: NaN };
  }
}

async function runTask(ecs, family, group, script) {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'app',
          image: IMAGE,
          memory: 128,
          stopTimeout: 2,
          command: ['sh', '-c', script],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': group, 'awslogs-create-group': 'true', 'awslogs-stream-prefix': 'bench' },
          },
        },
      ],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({ taskDefinition: taskDefinition.taskDefinitionArn, launchType: 'EC2' }),
  );
  const taskArn = tasks[0].taskArn;
  return { taskArn, stream: `bench/app/${taskArn.slice(taskArn.lastIndexOf('/') + 1)}` };
}

/** Follows a stream with forward tokens; calls onEvents with each new page and the time it was read. */
async function follow(logs, group, stream, until, onEvents) {
  let token;
  while (!until()) {
    const page = await logs
      .send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }),
      )
      .catch(() => undefined);
    if (page) {
      if (page.events?.length) onEvents(page.events, Date.now());
      if (page.nextForwardToken !== token) {
        token = page.nextForwardToken;
        continue;
      }
    }
    await sleep(10);
  }
}

async function run() {
  const base = process.env.BENCH_BASE_ROOT;
  if (base) {
    const before = await measure(base);
    console.log(`(base ${base}: ${before.summary})`);
  }
  const after = await measure(ROOT);
  if (base) console.log(`(this checkout: ${after.summary})`);
  return after.figures;
}

const PRODUCERS = {
  awk: (lines) => `awk 'BEGIN { for (i = 0; i < ${lines}; i++) print "line " i }'`,
  sh: (lines) => `i=0; while [ $i -lt ${lines} ]; do echo "line $i"; i=$((i+1)); done`,
};
const PRODUCER = process.env.BENCH_LOG_PRODUCER ?? 'awk';
const WRITE_LINES = PRODUCERS[PRODUCER];
if (!WRITE_LINES) throw new Error(`BENCH_LOG_PRODUCER must be one of ${Object.keys(PRODUCERS).join(', ')}`);

async function measure(root) {
  // The engine's own rate first, with nothing of ours running.
  const labels = { 'localcloud.bench': `logs${process.pid}` };
  const engine = await engineFollowRate(IMAGE, WRITE_LINES(LINES), LINES, labels);
  console.log(
    `engine alone, ${PRODUCER} producer (bare client following the log): ${engine.seen} lines in ${engine.seconds.toFixed(2)} s = ${engine.linesPerSecond} lines/s, ${engine.reads} socket reads; load ${os.loadavg()[0].toFixed(1)}`,
  );
  const attached = await engineAttachRate(IMAGE, WRITE_LINES(LINES), LINES, labels);
  console.log(
    `engine alone, ${PRODUCER} producer (bare client attached before the start): ${attached.seen} lines in ${attached.seconds.toFixed(2)} s = ${attached.linesPerSecond} lines/s, ${attached.reads} socket reads; load ${os.loadavg()[0].toFixed(1)}`,
  );
  const { url, child } = await startGateway(root);
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const ecs = new ECSClient({ endpoint: url, region: 'us-east-1', credentials });
  const logs = new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials });
  const figures = [];
  try {
    // Warm-up: a short awslogs task read to its end, so the figures below are the steady state, not the
    // first use of the ECS and Logs providers (loading their modules and the engine client).
    const warmGroup = `/bench/warm-up-${process.pid}`;
    const warm = await runTask(ecs, 'bench-warm-up', warmGroup, WRITE_LINES(WARM_UP_LINES));
    let warmed = 0;
    const warmStart = Date.now();
    await follow(
      logs,
      warmGroup,
      warm.stream,
      () => warmed >= WARM_UP_LINES || Date.now() - warmStart > 60_000,
      (events) => (warmed += events.length),
    );

    // Sustained throughput.
    const group = `/bench/throughput-${process.pid}`;
    const started = Date.now();
    const cpuBefore = cpuSeconds(child.pid);
    const readerBefore = process.cpuUsage();
    const othersBefore = engineAndMachineCpu();
    const { stream } = await runTask(ecs, 'bench-throughput', group, WRITE_LINES(LINES));
    let seen = 0;
    let done = 0;
    let firstStamp = 0;
    let lastStamp = 0;
    let pages = 0;
    await follow(
      logs,
      group,
      stream,
      () => seen >= LINES || (done && Date.now() - done > 120_000),
      (events, at) => {
        pages++;
        firstStamp ||= events[0].timestamp;
        lastStamp = events.at(-1).timestamp;
        seen += events.length;
        if (seen >= LINES) done = at;
      },
    );
    // Where the wall time went: the first and last line's time (when the gateway read it, or the
    // engine logged it) against the task's start, and the reader's last page after that.
    console.log(
      `  from RunTask: first line stamped at ${firstStamp - started} ms, last at ${lastStamp - started} ms, read by GetLogEvents at ${done - started} ms in ${pages} pages`,
    );
    const seconds = (done - started) / 1000;
    const linesPerSecond = Math.round(seen / seconds);
    const cpuUsPerLine = ((cpuSeconds(child.pid) - cpuBefore) * 1e6) / seen;
    const reader = process.cpuUsage(readerBefore);
    const readerUsPerLine = (reader.user + reader.system) / seen;
    const others = engineAndMachineCpu();
    const engineUsPerLine = ((others.engine - othersBefore.engine) * 1e6) / seen;
    const machineBusy = (others.machine - othersBefore.machine) / (seconds * os.cpus().length);
    figures.push({
      key: 'awslogs container → GetLogEvents, sustained',
      value: `${linesPerSecond} lines/s`,
      target: '≥ 100,000 lines/s',
      met: linesPerSecond >= 100_000,
      short: `${Math.round(linesPerSecond / 1000)}k lines/s`,
    });
    const share = linesPerSecond / engine.linesPerSecond;
    const attachShare = linesPerSecond / attached.linesPerSecond;
    console.log(
      `awslogs sustained, ${PRODUCER} producer: ${seen} lines from RunTask to readable in ${seconds.toFixed(2)} s = ${linesPerSecond} lines/s (${share.toFixed(2)}× the engine's follow alone, ${attachShare.toFixed(2)}× its attach alone); gateway CPU ${cpuUsPerLine.toFixed(2)} µs per line, the reader's (this process, SDK) ${readerUsPerLine.toFixed(2)} µs, the engine's ${engineUsPerLine.toFixed(2)} µs; machine ${Math.round(machineBusy * 100)} % busy; load ${os.loadavg()[0].toFixed(1)}`,
    );
    figures.push({ key: 'awslogs producer', value: PRODUCER });
    figures.push({ key: 'awslogs engine alone, follow by a bare client', value: `${engine.linesPerSecond} lines/s` });
    figures.push({ key: 'awslogs engine alone, attach by a bare client', value: `${attached.linesPerSecond} lines/s` });
    figures.push({ key: 'awslogs ours / engine follow alone', value: `${share.toFixed(2)}×` });
    figures.push({ key: 'awslogs ours / engine attach alone', value: `${attachShare.toFixed(2)}×` });
    figures.push({ key: 'awslogs gateway CPU per line', value: `${cpuUsPerLine.toFixed(2)} µs` });
    figures.push({ key: 'awslogs reader CPU per line', value: `${readerUsPerLine.toFixed(2)} µs` });
    figures.push({ key: 'awslogs engine CPU per line', value: `${engineUsPerLine.toFixed(2)} µs` });
    figures.push({ key: 'awslogs machine busy', value: `${Math.round(machineBusy * 100)} %` });

    // Lag from write to visible.
    const lagGroup = `/bench/lag-${process.pid}`;
    const lag = await runTask(
      ecs,
      'bench-lag',
      lagGroup,
      `i=0; while [ $i -lt ${LAG_LINES} ]; do echo "tick $i"; i=$((i+1)); usleep 100000; done`,
    );
    const lags = [];
    await follow(
      logs,
      lagGroup,
      lag.stream,
      () => lags.length >= LAG_LINES,
      (events, at) => {
        for (const e of events) lags.push(at - e.timestamp);
      },
    );
    lags.sort((a, b) => a - b);
    const pct = (p) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
    console.log(
      `awslogs lag (write to GetLogEvents), ${lags.length} lines: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lags.at(-1)} ms`,
    );
    figures.push({ key: 'awslogs lag, write → visible', value: `p50 ${pct(50)} ms, p99 ${pct(99)} ms` });
    await ecs.send(new DescribeTasksCommand({ tasks: [lag.taskArn] }));
    const summary = `${linesPerSecond} lines/s (engine follow alone ${engine.linesPerSecond}, ${share.toFixed(2)}×; attach alone ${attached.linesPerSecond}, ${attachShare.toFixed(2)}×), ${cpuUsPerLine.toFixed(2)} µs CPU per line, lag p50 ${pct(50)} ms, p99 ${pct(99)} ms; load ${os.loadavg()[0].toFixed(1)}`;
    return { figures, summary };
  } finally {
    ecs.destroy();
    logs.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
