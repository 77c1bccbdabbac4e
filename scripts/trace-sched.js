#!/usr/bin/env node
// Who had the cores while the gateway's main thread waited for one: the scheduler's own record of a traced
// phase (`perf record -e sched:sched_switch -e sched:sched_wakeup -a -k mono`, every context switch of the
// machine), lined up with scripts/trace-register.js's long turns. For the turns over 5 ms that overlap no GC
// pause of the gateway, it gives how long the main thread ran, how long it was runnable but not running
// (woken or preempted, not yet back on a core), and, over those waiting spans, what each core ran instead:
// the gateway's other threads (V8's GC helpers and compiler, libuv's pool), the client, other processes.
//
//   TRACE_PERF=/tmp/sched.data node scripts/trace-register.js   # records and reports (needs perf, root)
//   node scripts/trace-sched.js trace.json sched.data            # the same from TRACE_OUT and a recording
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');

/** Starts recording every context switch and wake-up of the machine into `file`; resolves a stop(). */
function startRecording(file) {
  const perf = spawn(
    'perf',
    ['record', '-q', '-e', 'sched:sched_switch', '-e', 'sched:sched_wakeup', '-a', '-k', 'mono', '-o', file],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  // perf needs a moment to open its events on every CPU before the phase starts.
  return new Promise((resolve) => setTimeout(resolve, 500)).then(() => () => {
    perf.kill('SIGINT');
    return exited;
  });
}

/** The recording's events: [ms (monotonic), cpu, kind, fields] with kind 'switch' or 'wakeup'. */
function readEvents(file) {
  const text = execFileSync('perf', ['script', '-i', file, '-F', 'pid,tid,cpu,time,event,trace'], {
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString('latin1');
  const events = [];
  const tgidOf = new Map();
  const line = /^\s*(\d+)\/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$/;
  for (const row of text.split('\n')) {
    const m = line.exec(row);
    if (!m) continue;
    const [, pid, tid, cpu, seconds, event, rest] = m;
    tgidOf.set(Number(tid), Number(pid));
    const fields = {};
    for (const [, key, value] of rest.matchAll(/(\w+)=(\S+)/g)) fields[key] = value;
    events.push([Number(seconds) * 1000, Number(cpu), event === 'sched_switch' ? 'switch' : 'wakeup', fields]);
  }
  return { events, tgidOf };
}

/**
 * `trace`: trace-register's TRACE_OUT (gateway and client pids, monotonic offset, turns, gc). Returns the
 * figures; `print` writes them.
 */
function analyse(trace, file) {
  const { events, tgidOf } = readEvents(file);
  const main = trace.gateway;
  const offset = trace.monotonicOffset;
  // Each core's occupant over time, and the main thread's states.
  const occupant = new Map(); // cpu -> [since, tid]
  const spans = []; // [t0, t1, cpu, tid]: what each core ran
  const mainRun = []; // [t0, t1]
  const mainWait = []; // [t0, t1]: runnable, not on a core
  let waitingSince;
  let runningSince;
  for (const [t, cpu, kind, f] of events) {
    if (kind === 'wakeup') {
      if (Number(f.pid) === main && runningSince === undefined && waitingSince === undefined) waitingSince = t;
      continue;
    }
    const prev = Number(f.prev_pid);
    const next = Number(f.next_pid);
    const was = occupant.get(cpu);
    if (was) spans.push([was[0], t, cpu, was[1]]);
    occupant.set(cpu, [t, next]);
    if (prev === main) {
      if (runningSince !== undefined) mainRun.push([runningSince, t]);
      runningSince = undefined;
      // Preempted (still runnable: state R, R+) rather than gone to sleep: it waits from now.
      waitingSince = f.prev_state?.startsWith('R') ? t : undefined;
    }
    if (next === main) {
      if (waitingSince !== undefined) mainWait.push([waitingSince, t]);
      waitingSince = undefined;
      runningSince = t;
    }
  }
  const gatewayThreads = new Set(Object.keys(trace.threads ?? {}).map((name) => Number(name.split(' ')[0])));
  const groupOf = (tid) => {
    if (tid === 0) return 'idle';
    if (tid === main) return 'gateway main thread';
    if (gatewayThreads.has(tid) || tgidOf.get(tid) === main) return "gateway's other threads";
    if (tid === trace.client || tgidOf.get(tid) === trace.client) return 'client';
    return 'other processes';
  };
  const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  // The long turns without a GC pause, in monotonic ms.
  const gc = trace.gc.map(([t0, ms]) => [t0 + offset, t0 + offset + ms]);
  const turns = trace.turns
    .filter(([, ms]) => ms > 5)
    .map(([t0, ms]) => [t0 + offset, t0 + offset + ms])
    .filter(([a, b]) => !gc.some(([c, d]) => overlap(a, b, c, d) > 0));
  const sumOver = (intervals, [a, b]) => intervals.reduce((sum, [c, d]) => sum + overlap(a, b, c, d), 0);
  let wall = 0;
  let ran = 0;
  let waited = 0;
  const instead = {};
  const otherComms = {};
  const commOf = new Map();
  for (const [, , kind, f] of events) if (kind === 'switch') commOf.set(Number(f.next_pid), f.next_comm);
  // Each core's spans in time order (they tile the core's time), searched by their end.
  const byCpu = new Map();
  for (const span of spans) {
    if (!byCpu.has(span[2])) byCpu.set(span[2], []);
    byCpu.get(span[2]).push(span);
  }
  const ranOn = (a, b) => {
    for (const list of byCpu.values()) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid][1] <= a) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < list.length && list[i][0] < b; i++) {
        const [s0, s1, , tid] = list[i];
        const o = overlap(a, b, s0, s1);
        if (o <= 0) continue;
        const group = groupOf(tid);
        instead[group] = (instead[group] ?? 0) + o;
        if (group === 'other processes') {
          const comm = commOf.get(tid) ?? String(tid);
          otherComms[comm] = (otherComms[comm] ?? 0) + o;
        }
      }
    }
  };
  for (const turn of turns) {
    wall += turn[1] - turn[0];
    ran += sumOver(mainRun, turn);
    waited += sumOver(mainWait, turn);
    for (const [w0, w1] of mainWait) {
      const a = Math.max(w0, turn[0]);
      const b = Math.min(w1, turn[1]);
      if (b > a) ranOn(a, b);
    }
  }
  return { turns: turns.length, wall, ran, waited, instead, otherComms };
}

function print({ turns, wall, ran, waited, instead, otherComms }) {
  const pct = (x, of) => `${((100 * x) / (of || 1)).toFixed(0)}%`;
  console.log(
    `  perf sched, the ${turns} turns over 5 ms without a GC pause (${wall.toFixed(0)} ms): the main thread ran ${pct(ran, wall)}, ` +
      `runnable but off a core ${pct(waited, wall)}, asleep ${pct(wall - ran - waited, wall)}`,
  );
  const total = Object.values(instead).reduce((a, b) => a + b, 0);
  console.log(
    `  while it waited, the two cores ran (core-ms, share): ${Object.entries(instead)
      .sort((a, b) => b[1] - a[1])
      .map(([group, ms]) => `${group} ${ms.toFixed(0)} (${pct(ms, total)})`)
      .join(', ')}`,
  );
  console.log(
    `  other processes by name: ${Object.entries(otherComms)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([comm, ms]) => `${comm} ${ms.toFixed(0)}`)
      .join(', ')}`,
  );
}

module.exports = { startRecording, analyse, print };

if (require.main === module) {
  const [traceFile, perfFile] = process.argv.slice(2);
  print(analyse(JSON.parse(fs.readFileSync(traceFile, 'utf8')), perfFile));
}
