#!/usr/bin/env node
// The service scheduler and the service handlers as a cluster grows (issue #18, the scan round): one
// cluster with 10 services, then the same cluster with 10,000 stopped tasks and 1,000 services, 200 of
// them running a task (in-memory container backend, in-memory state). Reports the gateway's CPU per
// second with no request (target ≤ 10 ms/s at 1,000 services) and the CPU per request of the handlers
// that read a service's tasks (DescribeServices, DescribeTaskSets, DescribeServiceDeployments, ListTasks
// by service), small cluster → grown cluster. Each build runs in a process of its own
// (scripts/bench-scheduler-gateway.js) and measures itself with `process.cpuUsage`.
//
//   npm run bench -- scheduler
//   BENCH_BASE_ROOT=/path/to/other/built/checkout node scripts/bench-scheduler.js   # before/after, same run
//   BENCH_SERVICES=1000 BENCH_RUNNING_SERVICES=200 BENCH_STOPPED_TASKS=10000         # the defaults
const { execFileSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

function runBuild(root) {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'bench-scheduler-gateway.js')], {
    env: { ...process.env, BENCH_ROOT: root, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 900_000,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const roots = process.env.BENCH_BASE_ROOT
    ? [
        ['base', process.env.BENCH_BASE_ROOT],
        ['this', ROOT],
      ]
    : [['this', ROOT]];
  const runs = [];
  for (const [name, root] of roots) runs.push([name, runBuild(root), os.loadavg()[0]]);
  const rows = [];
  const figures = [];
  for (const [name, run, load] of runs) {
    const idle = (windows) => `${windows.map((w) => w.toFixed(1)).join(' / ')} ms/s`;
    rows.push({
      build: name,
      measure: 'CPU per second, no request',
      small: idle(run.small.idle),
      grown: idle(run.grown.idle),
      load: load.toFixed(1),
    });
    for (const operation of Object.keys(run.small.handlers)) {
      const s = run.small.handlers[operation];
      const g = run.grown.handlers[operation];
      rows.push({
        build: name,
        measure: `${operation}, CPU per request`,
        small: `${s.toFixed(0)} µs`,
        grown: `${g.toFixed(0)} µs`,
        ratio: `${(g / s).toFixed(2)}x`,
      });
      if (name === 'this')
        figures.push({
          key: `${operation}, ${run.services} services and ${run.stopped} stopped tasks in the cluster / 10 services`,
          value: `${(g / s).toFixed(2)}x CPU/req (${s.toFixed(0)} → ${g.toFixed(0)} µs, in-process)`,
          short: `${(g / s).toFixed(2)}x`,
          target: '≤ 1.5x',
          met: g / s <= 1.5,
        });
    }
    if (name === 'this') {
      const grownIdle = median(run.grown.idle);
      figures.push({
        key: `scheduler idle, ${run.services} services (${run.running} running a task), CPU per second`,
        value: `${grownIdle.toFixed(1)} ms/s, median of ${run.grown.idle.length} windows (10 services: ${median(run.small.idle).toFixed(1)} ms/s; load ${load.toFixed(1)})`,
        short: `${grownIdle.toFixed(1)}ms/s`,
        target: '≤ 10 ms/s',
        met: grownIdle <= 10,
      });
    }
  }
  console.log(
    `ECS scheduler and service handlers: one cluster, 10 services → ${runs[0][1].services} services (${runs[0][1].running} running), ${runs[0][1].stopped} stopped tasks; ${os.cpus().length} CPUs, node ${process.version}`,
  );
  console.table(rows);
  return figures;
}

module.exports = { run: main };
if (require.main === module) {
  main()
    .then((figures) => console.table(figures))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
