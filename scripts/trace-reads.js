#!/usr/bin/env node
// The read paths' CPU, warm and steady: the control-plane bench's ListTaskDefinitions (family prefix, 100
// per page, 16 families of 125 revisions), DescribeTasks (the same 100 tasks) and StopTask phases, each
// after a warm-up of its own (so the figure is the request's cost, not the JIT's first compiles), 16
// keep-alive clients, ECS on the in-memory container backend (scripts/bench-gateway.js, BENCH_BACKEND=memory).
// Per phase: req/s, p50/p99, the gateway's CPU per request (the process, and its main thread alone: V8's
// compiler and GC helper threads are the difference). With BENCH_BASE_ROOT, that build runs too,
// alternating with this one round by round (a same-run before/after).
//
//   node scripts/trace-reads.js                             # one round, this build
//   BENCH_BASE_ROOT=/tmp/base TRACE_ROUNDS=3 …               # base and this, alternating, three rounds
//   BENCH_CLIENT=node …                                      # Node's HTTP client as the load generator (default: the socket client)
//   TRACE_SCALE=0.5 …                                       # fewer requests per phase
//   TRACE_OPS=list,describe …                              # some of list, describe, stop
//   BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' … # node flags for the gateway
//   TRACE_CALLGRIND=1 TRACE_SCALE=0.25 …                    # the gateway under callgrind (`node --single-threaded`,
//                                                           instrumented from the warm-up on, counters zeroed after
//                                                           it): user-space instructions per request of each
//                                                           phase, a count the machine's load does not move
//
// Not part of `npm run bench`: the bench's own phases (and their short warm-ups) are its figures; these
// are separately labelled, measured after each phase's own warm-up.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {
  ECS,
  benchClient,
  closedLoop,
  cpuSeconds,
  threadCpuSeconds,
  stopChild,
  freePort,
  BENCH_CONTAINER_DEFINITIONS,
} = require('./bench-json-client');

const CONCURRENCY = 16;
const SCALE = Number(process.env.TRACE_SCALE ?? '1');
const ROUNDS = Number(process.env.TRACE_ROUNDS ?? '1');
const CALLGRIND = process.env.TRACE_CALLGRIND === '1';
const OPS = (process.env.TRACE_OPS ?? 'list,describe,stop').split(',');
const n = (count) => Math.max(CONCURRENCY, Math.round(count * SCALE));

const containerDefinitions = BENCH_CONTAINER_DEFINITIONS;

async function runBuild(label, root) {
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const gatewayArgs = [...nodeArgs, path.join(__dirname, 'bench-gateway.js')];
  const dumps = CALLGRIND ? fs.mkdtempSync(path.join(os.tmpdir(), 'trace-reads-cg-')) : undefined;
  const [command, args] = CALLGRIND
    ? [
        'valgrind',
        [
          '--tool=callgrind',
          '--instr-atstart=no',
          `--callgrind-out-file=${dumps}/callgrind.out`,
          process.execPath,
          '--single-threaded',
          ...gatewayArgs,
        ],
      ]
    : [process.execPath, gatewayArgs];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      BENCH_ROOT: root,
      SERVICES: 'ecs',
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      ECS_TASK_ENDPOINTS_LISTEN: 'off',
      ECS_CREDENTIALS_ROUTE: '0',
      BENCH_BACKEND: 'memory',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const gateway = { child };
  const results = [];
  try {
    for (let ready = false; !ready;) {
      if (child.exitCode !== null) throw new Error('the gateway exited before it was ready');
      ready = await new Promise((resolve) =>
        http
          .get(`http://127.0.0.1:${port}/_localcloud/health`, (res) => resolve(res.resume() && true))
          .on('error', () => resolve(false)),
      );
      if (!ready) await new Promise((resolve) => setTimeout(resolve, CALLGRIND ? 500 : 50));
    }
    const ecs = benchClient(port, ECS, CONCURRENCY);
    const control = (...flags) => execFileSync('callgrind_control', [...flags, String(child.pid)], { stdio: 'ignore' });
    const measure = async (operation, warmUp, total, makeCall) => {
      if (CALLGRIND) control('-i', 'on');
      await closedLoop(warmUp, CONCURRENCY, 600_000, makeCall);
      if (CALLGRIND) control('-z');
      const cpu0 = cpuSeconds(child.pid);
      const main0 = threadCpuSeconds(child.pid, child.pid);
      const r = await closedLoop(total, CONCURRENCY, 600_000, (i) => makeCall(warmUp + i));
      const cpuUs = ((cpuSeconds(child.pid) - cpu0) * 1e6) / r.requests;
      const mainUs = ((threadCpuSeconds(child.pid, child.pid) - main0) * 1e6) / r.requests;
      let instructions;
      if (CALLGRIND) {
        const before = new Set(fs.readdirSync(dumps));
        control('-d');
        control('-i', 'off');
        const dump = fs.readdirSync(dumps).find((f) => !before.has(f));
        const totals = /^(?:totals|summary): (\d+)/m.exec(fs.readFileSync(path.join(dumps, dump), 'utf8'));
        instructions = Number(totals[1]) / r.requests;
      }
      results.push({ build: label, operation, ...r, cpuUs, mainUs, instructions, load: os.loadavg()[0] });
    };
    // The bench's state: 2,000 revisions in 16 families (125 each).
    await closedLoop(2000, CONCURRENCY, 60_000, (i) =>
      ecs.callRaw('RegisterTaskDefinition', { family: `bench-${i % CONCURRENCY}`, containerDefinitions }),
    );
    if (OPS.includes('list'))
      await measure('ListTaskDefinitions', n(4000), n(8000), (i) =>
        ecs.callRaw('ListTaskDefinitions', { familyPrefix: `bench-${i % CONCURRENCY}`, maxResults: 100 }),
      );
    if (OPS.includes('describe') || OPS.includes('stop')) {
      await ecs.callRaw('RegisterTaskDefinition', {
        family: 'tasks',
        networkMode: 'bridge',
        containerDefinitions: [{ name: 'app', image: 'app:1', memory: 32 }],
      });
      const stopWarm = OPS.includes('stop') ? n(1000) : 0;
      const stopCount = OPS.includes('stop') ? n(2000) : 0;
      const arns = [];
      while (arns.length < 100 + stopWarm + stopCount) {
        const out = await ecs.call('RunTask', { taskDefinition: 'tasks', count: 10 });
        arns.push(...out.tasks.map((t) => t.taskArn));
      }
      const hundred = arns.slice(0, 100);
      if (OPS.includes('describe'))
        await measure('DescribeTasks (100 tasks)', n(300), n(1000), () =>
          ecs.callRaw('DescribeTasks', { tasks: hundred }),
        );
      if (OPS.includes('stop')) {
        const toStop = arns.slice(100);
        await measure('StopTask', stopWarm, stopCount, (i) => ecs.callRaw('StopTask', { task: toStop[i] }));
      }
    }
    ecs.close();
  } finally {
    await stopChild(gateway);
    if (dumps) fs.rmSync(dumps, { recursive: true, force: true });
  }
  return results;
}

async function main() {
  const builds = [['this', path.join(__dirname, '..')]];
  if (process.env.BENCH_BASE_ROOT) builds.unshift(['base', process.env.BENCH_BASE_ROOT]);
  const all = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, root] of builds) {
      for (const r of await runBuild(label, root)) {
        all.push(r);
        console.log(
          `round ${round + 1} ${label.padEnd(4)} ${r.operation.padEnd(26)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(5)}  p99 ${r.p99.toFixed(1).padStart(5)} ms  CPU ${r.cpuUs.toFixed(0).padStart(5)} µs/req (main thread ${r.mainUs.toFixed(0)})${r.instructions ? `  ${(r.instructions / 1000).toFixed(1)} K instructions/req` : ''}  load ${r.load.toFixed(1)}`,
        );
      }
    }
  }
  if (ROUNDS > 1) {
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const operation of [...new Set(all.map((r) => r.operation))])
      for (const [label] of builds) {
        const rs = all.filter((r) => r.operation === operation && r.build === label);
        console.log(
          `median ${label.padEnd(4)} ${operation.padEnd(26)} ${median(rs.map((r) => r.rps))} req/s  p99 ${median(rs.map((r) => r.p99)).toFixed(1)} ms  CPU ${median(rs.map((r) => r.cpuUs)).toFixed(0)} µs/req (main ${median(rs.map((r) => r.mainUs)).toFixed(0)})` +
            (CALLGRIND ? `  ${(median(rs.map((r) => r.instructions)) / 1000).toFixed(1)} K instructions/req` : ''),
        );
      }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
