#!/usr/bin/env node
// Register's tail, request by request: the control-plane bench's RegisterTaskDefinition phase (16 keep-alive
// clients, the same two-container definition), with every request's wall-clock span recorded here and every
// GC pause and long event-loop turn recorded in the gateway (scripts/bench-gateway.js, 'trace-start'), then
// lined up: of the requests over 10 ms, how many overlap a GC pause (and of which kind), a long turn
// without one, or neither (queueing behind the other clients' requests).
//
//   node scripts/trace-register.js                         # in memory, 3,000 registrations
//   TRACE_PERSISTENT=1 node scripts/trace-register.js      # PERSISTENCE=1 in a temporary data directory
//   TRACE_REQUESTS=6000 BENCH_NODE_ARGS=--trace-gc …        # more requests; node flags for the gateway
//   TRACE_WARMUP=20000 …                                   # the steady state: that many requests first, untraced
//   TRACE_OPERATION=list …                                 # ListTaskDefinitions (pages of 100) after 2,000 registrations
//   BENCH_ROOT=/other/checkout …                           # that checkout's build
//   BENCH_CLIENT=node …                                    # Node's HTTP client as the load generator (default: the socket client)
//   TRACE_OUT=/tmp/trace.json …                            # every request, pause and turn as JSON
//   TRACE_PIDS=1 …                                         # print the gateway's and the client's pids
//   TRACE_PERF=/tmp/sched.data …                           # perf sched: who had the cores in the long turns
//   TRACE_HEAP_SAMPLING=live|promoted|all BENCH_NODE_ARGS=--expose-gc …  # allocation sampling of the phase:
//       what is still held after a full GC, that plus what a mark-compact collected, or every allocation
//       (TRACE_HEAP_OUT: as JSON)
//
// The gateway's stdout (where --trace-gc and --trace-opt write) goes to TRACE_GC_LOG (default: discarded), with
// the traced phase between lines `=== trace-start` and `=== trace-stop`.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const {
  ECS,
  benchClient,
  cpuSeconds,
  stopChild,
  freePort,
  BENCH_CONTAINER_DEFINITIONS,
} = require('./bench-json-client');

const CONCURRENCY = 16;
const TOTAL = Number(process.env.TRACE_REQUESTS ?? '3000');
const SLOW_MS = Number(process.env.TRACE_SLOW_MS ?? '10');
const WARMUP = Number(process.env.TRACE_WARMUP ?? '0');
const LIST = process.env.TRACE_OPERATION === 'list';

const containerDefinitions = BENCH_CONTAINER_DEFINITIONS;

function ask(child, message, key) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (!m?.[key]) return;
      child.off('message', onMessage);
      resolve(m[key]);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function main() {
  const port = await freePort();
  const persistent = process.env.TRACE_PERSISTENT === '1';
  const dataDir = persistent ? fs.mkdtempSync(path.join(os.tmpdir(), 'trace-register-')) : undefined;
  const gcLog = process.env.TRACE_GC_LOG ? fs.openSync(process.env.TRACE_GC_LOG, 'w') : 'ignore';
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(__dirname, 'bench-gateway.js')], {
    env: {
      ...process.env,
      SERVICES: 'ecs',
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      ECS_TASK_ENDPOINTS_LISTEN: 'off',
      ECS_CREDENTIALS_ROUTE: '0',
      ...(persistent ? { PERSISTENCE: '1', DATA_DIR: dataDir } : { BENCH_BACKEND: 'memory' }),
    },
    stdio: ['ignore', gcLog, 'inherit', 'ipc'],
  });
  const gateway = { child };
  try {
    for (let ready = false; !ready;) {
      if (child.exitCode !== null) throw new Error('the gateway exited before it was ready');
      ready = await new Promise((resolve) =>
        http
          .get(`http://127.0.0.1:${port}/_localcloud/health`, (res) => resolve(res.resume() && true))
          .on('error', () => resolve(false)),
      );
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ecs = benchClient(port, ECS, CONCURRENCY);
    for (let i = 0; i < 200; i++)
      await ecs.callRaw('RegisterTaskDefinition', { family: 'warm-up', containerDefinitions });
    // TRACE_WARMUP: that many more registrations from the 16 clients before the trace (the steady state:
    // the JIT's compiles and the heap's growth behind), not counted; the bench's own warm-up is the 200 above.
    // TRACE_OPERATION=list: the bench's ListTaskDefinitions phase instead (first the bench's 2,000
    // registrations in its 16 families, untraced, then pages of 100 of a family's revisions).
    if (LIST) await load(ecs, 2000, () => {}, register);
    await load(ecs, WARMUP, () => {}, LIST ? list : register);

    const heapBefore = nodeArgs.includes('--expose-gc') ? await ask(child, 'heap', 'heap') : undefined;
    // The client's own GC pauses: a request's span is measured here, so a pause here lengthens it too.
    const clientGc = [];
    const clientObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) clientGc.push([performance.timeOrigin + entry.startTime, entry.duration]);
    });
    clientObserver.observe({ entryTypes: ['gc'] });
    // For an outside recorder (perf sched, below): which processes are the gateway and the client, and when.
    // (The monotonic clock, which perf can stamp with `-k mono`, is the epoch times here plus that offset.)
    if (process.env.TRACE_PIDS)
      console.log(
        `gateway pid ${child.pid}, client pid ${process.pid}, monotonic offset ${(Number(process.hrtime.bigint()) / 1e6 - (performance.timeOrigin + performance.now())).toFixed(3)} ms`,
      );
    const sampling = process.env.TRACE_HEAP_SAMPLING;
    if (sampling) child.send({ heapSampling: 'start', promoted: sampling === 'promoted', all: sampling === 'all' });
    const stopRecording = process.env.TRACE_PERF
      ? await require('./trace-sched').startRecording(process.env.TRACE_PERF)
      : undefined;
    child.send('trace-start');
    const cpuBefore = cpuSeconds(child.pid);
    const requests = [];
    const started = performance.now();
    await load(ecs, TOTAL, (t0, ms) => requests.push([t0, ms]), LIST ? list : register);
    const seconds = (performance.now() - started) / 1000;
    const cpuUs = ((cpuSeconds(child.pid) - cpuBefore) * 1e6) / requests.length;
    clientObserver.disconnect();
    const trace = await ask(child, 'trace-stop', 'trace');
    await stopRecording?.();
    if (sampling) {
      const bytes = await ask(child, { heapSampling: 'stop' }, 'heapSampling');
      const top = Object.entries(bytes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 30);
      console.log(`heap sampling (${sampling}): bytes per request by allocating function <- its caller`);
      for (const [name, b] of top) console.log(`  ${(b / requests.length).toFixed(0).padStart(6)} B  ${name}`);
      if (process.env.TRACE_HEAP_OUT) fs.writeFileSync(process.env.TRACE_HEAP_OUT, JSON.stringify(bytes));
    }
    trace.clientGc = clientGc;
    if (heapBefore)
      console.log(
        `heap held per registration (full GC before and after): ${(((await ask(child, 'heap', 'heap')).used - heapBefore.used) / requests.length).toFixed(0)} B`,
      );
    ecs.close();
    report(requests, trace, seconds, cpuUs);
    const monotonicOffset = Number(process.hrtime.bigint()) / 1e6 - (performance.timeOrigin + performance.now());
    if (stopRecording) {
      const sched = require('./trace-sched');
      sched.print(
        sched.analyse({ gateway: child.pid, client: process.pid, monotonicOffset, ...trace }, process.env.TRACE_PERF),
      );
    }
    if (process.env.TRACE_OUT)
      fs.writeFileSync(
        process.env.TRACE_OUT,
        JSON.stringify({
          gateway: child.pid,
          client: process.pid,
          monotonicOffset,
          requests,
          ...trace,
        }),
      );
  } finally {
    await stopChild(gateway);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `total` registrations from CONCURRENCY clients, each one's start (ms since the epoch) and span given to `record`. */
const register = (ecs, n) =>
  ecs.callRaw('RegisterTaskDefinition', { family: `bench-${n % CONCURRENCY}`, containerDefinitions });
const list = (ecs, n) =>
  ecs.callRaw('ListTaskDefinitions', { familyPrefix: `bench-${n % CONCURRENCY}`, maxResults: 100 });

async function load(ecs, total, record, call) {
  let issued = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < total) {
        const n = issued++;
        const t0 = performance.timeOrigin + performance.now();
        await call(ecs, n);
        record(t0, performance.timeOrigin + performance.now() - t0);
      }
    }),
  );
}

// PerformanceEntry gc kinds (perf_hooks.constants).
const KINDS = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks' };

function report(requests, { gc, turns, sched, rss, threads, clientGc, commits = [] }, seconds, cpuUs) {
  const latencies = requests.map(([, ms]) => ms).sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const rps = requests.length / seconds;
  console.log(
    `${requests.length} ${LIST ? 'lists' : 'registrations'}, ${rps.toFixed(0)} req/s, mean ${mean.toFixed(1)} ms (16 clients / rate = ${((1000 * CONCURRENCY) / rps).toFixed(1)} ms), ` +
      `p50 ${pct(50).toFixed(1)}, p90 ${pct(90).toFixed(1)}, p99 ${pct(99).toFixed(1)}, max ${pct(100).toFixed(1)} ms; ` +
      `${cpuUs.toFixed(0)} µs CPU/req; load ${os.loadavg()[0].toFixed(1)}`,
  );
  const byKind = {};
  for (const [, ms, kind] of gc) {
    const k = (byKind[KINDS[kind] ?? kind] ??= { n: 0, sum: 0, max: 0, over2: 0 });
    k.n++;
    k.sum += ms;
    k.max = Math.max(k.max, ms);
    if (ms > 2) k.over2++;
  }
  for (const [kind, k] of Object.entries(byKind))
    console.log(
      `  GC ${kind}: ${k.n} pauses, ${k.sum.toFixed(0)} ms in all (${((k.sum / 1000 / seconds) * 100).toFixed(1)}% of the phase), longest ${k.max.toFixed(1)} ms, ${k.over2} over 2 ms`,
    );
  if (commits.length > 0) {
    // Group commits (TRACE_PERSISTENT): how many changes each carried, how long a change waited for its sync
    // to start (the rest of its turn) and for the sync's callback (the fdatasync in the thread pool, and then
    // the main thread's turn to run the callback), and how long each request waited in durable().
    const q = (values, p) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    };
    const f = (values) =>
      `p50 ${q(values, 50).toFixed(2)}, p90 ${q(values, 90).toFixed(2)}, p99 ${q(values, 99).toFixed(2)}, max ${q(values, 100).toFixed(2)} ms`;
    const changes = commits.map((c) => c[3]);
    const total = changes.reduce((a, b) => a + b, 0);
    const waits = commits.flatMap((c) => c[4]);
    console.log(
      `  group commits: ${commits.length} (${(commits.length / requests.length).toFixed(3)} per request), ${(total / commits.length).toFixed(1)} changes each (p50 ${q(changes, 50)}, max ${q(changes, 100)})`,
    );
    console.log(`    first change appended → sync started: ${f(commits.map((c) => c[1] - c[0]))}`);
    console.log(`    sync started → its callback ran: ${f(commits.map((c) => c[2] - c[1]))}`);
    console.log(`    a request's wait in durable(): ${f(waits)} (${waits.length} waits)`);
    // A group whose first change came while the previous sync ran could not start its own sync until that
    // sync's callback had run (one sync at a time): what pipelining syncs would take off.
    const queued = commits.filter((c, i) => i > 0 && c[0] < commits[i - 1][2]);
    console.log(
      `    groups begun while the previous sync ran: ${queued.length}; their first change appended → the previous sync's callback: ${f(queued.map((c) => commits[commits.indexOf(c) - 1][2] - c[0]))}`,
    );
    const slowCommits = commits.filter((c) => c[2] - c[1] > 2);
    const slowRequests = requests.filter(([, ms]) => ms > SLOW_MS);
    const overlapping = slowRequests.filter(([t0, ms]) => slowCommits.some((c) => c[1] < t0 + ms && c[2] > t0)).length;
    console.log(
      `    syncs over 2 ms: ${slowCommits.length}; requests over ${SLOW_MS} ms overlapping one: ${overlapping} of ${slowRequests.length}`,
    );
  }
  const longTurns = turns.filter(([, ms]) => ms > 5);
  console.log(
    `  turns over 5 ms (1 ms timer late): ${longTurns.length}, longest ${Math.max(0, ...turns.map(([, ms]) => ms)).toFixed(1)} ms`,
  );
  if (sched && sched.some((ns) => ns > 0)) {
    // Where the gateway's main thread was in those turns (its schedstat): running, runnable but waiting
    // for a core, or asleep; and what the gateway's other threads and the client ran meanwhile.
    const [n, sum] = [longTurns.length, (i) => longTurns.reduce((a, t) => a + (t[i] ?? 0), 0)];
    // The main thread's own run time is the process's (getrusage, exact) less the other threads' (schedstat,
    // which lags a running thread by up to a scheduler tick, 4 ms here: only the sums over many turns are close).
    const [wall, wait, other, client, all] = [sum(1), sum(3), sum(4), sum(5), sum(6)];
    const cpu = all - other;
    const pctOf = (x) => `${((100 * x) / (wall || 1)).toFixed(0)}%`;
    console.log(
      `  in those turns (${wall.toFixed(0)} ms): the main thread ran ${pctOf(cpu)}, waited for a core ${pctOf(wait)}, ` +
        `slept ${pctOf(wall - cpu - wait)}; meanwhile the gateway's other threads ran ${pctOf(other)} and the client ${pctOf(client)} (of one core)`,
    );
    const kinds = { running: 0, waiting: 0, mixed: 0 };
    for (const t of longTurns)
      kinds[(t[6] ?? 0) - t[4] >= 0.7 * t[1] ? 'running' : t[3] >= 0.5 * t[1] ? 'waiting' : 'mixed']++;
    console.log(
      `  turns by the main thread's state: ${kinds.running} mostly running (≥ 70% on a core), ${kinds.waiting} mostly waiting (≥ 50% runnable), ${kinds.mixed} neither (of ${n})`,
    );
    const ms = (ns) => ns / 1e6;
    console.log(
      `  the whole phase (${(seconds * 1000).toFixed(0)} ms): main thread ran ${ms(sched[0]).toFixed(0)} ms, waited ${ms(sched[1]).toFixed(0)} ms; ` +
        `other threads ran ${ms(sched[2]).toFixed(0)} ms; client ${ms(sched[3]).toFixed(0)} ms; gateway RSS at the end ${(rss / 2 ** 20).toFixed(1)} MiB`,
    );
    if (threads)
      console.log(
        `  the gateway's other threads (ms on CPU): ${Object.entries(threads)
          .filter(([, t]) => t >= 1)
          .map(([name, t]) => `${name} ${t.toFixed(0)}`)
          .join(', ')}`,
      );
  }
  const overlaps = (a0, a1, [b0, bms]) => b0 < a1 && b0 + bms > a0;
  const slow = requests.filter(([, ms]) => ms > SLOW_MS);
  const causes = { gc: 0, gcMs: 0, turnOnly: 0, client: 0, neither: 0, byKind: {} };
  for (const [t0, ms] of slow) {
    const pauses = gc.filter((p) => overlaps(t0, t0 + ms, p));
    if (pauses.length > 0) {
      causes.gc++;
      const paused = pauses.reduce((sum, [, pms]) => sum + pms, 0);
      causes.gcMs += paused;
      const longest = pauses.reduce((a, b) => (b[1] > a[1] ? b : a));
      const k = KINDS[longest[2]] ?? longest[2];
      causes.byKind[k] = (causes.byKind[k] ?? 0) + 1;
    } else if (turns.some((t) => overlaps(t0, t0 + ms, t) && t[1] > 5)) causes.turnOnly++;
    else if (clientGc.some((p) => overlaps(t0, t0 + ms, p))) causes.client++;
    else causes.neither++;
  }
  console.log(
    `  requests over ${SLOW_MS} ms: ${slow.length} (${((100 * slow.length) / requests.length).toFixed(1)}%); ` +
      `overlapping a GC pause: ${causes.gc} (by the longest pause's kind: ${JSON.stringify(causes.byKind)}; ` +
      `their pauses ${causes.gc ? (causes.gcMs / causes.gc).toFixed(1) : 0} ms on average); ` +
      `a long turn but no pause: ${causes.turnOnly}; neither, but a GC pause of the client's: ${causes.client}; none of these: ${causes.neither}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
