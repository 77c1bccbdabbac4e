// The gateway a benchmark measures, in a process of its own so that its CPU is apart from the clients'.
// Runs the built dist (`npm run build`) as `npm start` does, configured by the environment, except that
// with BENCH_BACKEND=memory ECS runs its tasks on the in-memory container backend (no Docker): the
// control-plane cost of RunTask/DescribeTasks/StopTask is measured without the engine's.
// BENCH_ROOT runs another checkout's build (an older commit, for a before/after in the same run).
const path = require('node:path');
const { PerformanceObserver, monitorEventLoopDelay, performance } = require('node:perf_hooks');

// Event-loop delay (GC pauses, long synchronous work): what p99 is made of under load. The benchmark asks
// for it over IPC at the end of each phase ('loop-delay', which also resets it) and at its start ('loop-reset').
if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // Garbage-collection pauses over the same span: which part of the loop's delay is the collector's.
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  // 'trace-start' / 'trace-stop' (scripts/trace-register.js): every pause and every long turn with its
  // wall-clock time (ms since the epoch), to line them up with the client's per-request latencies.
  let trace;
  let heapSession;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      trace?.gc.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind ?? entry.kind]);
    }
  }).observe({ entryTypes: ['gc'] });
  // A 1 ms timer chain: a gap well over 1 ms between two firings is one turn of that length (or a pause).
  // Each turn also says where the main thread was meanwhile (Linux's /proc/<pid>/task/<tid>/schedstat: time
  // on a CPU, time runnable but waiting for one): [start, ms, main thread on CPU, main thread waiting, the
  // gateway's other threads on CPU (GC helpers, the compiler, libuv's pool), the client (the parent
  // process's main thread) on CPU, the whole gateway on CPU (getrusage)], all in ms.
  const sched = schedReader();
  const GROUP_COMMIT = 'localcloud:persistence:group-commit';
  const epoch = (ms) => performance.timeOrigin + ms;
  const recordCommit = ({ appended, started, completed, changes, waits }) =>
    trace?.commits.push([epoch(appended), epoch(started), epoch(completed), changes, waits]);
  const tick = (last, lastSched) => {
    const now = performance.now();
    const nowSched = sched.read();
    if (now - last > 3) {
      const d = (i) => (nowSched[i] - lastSched[i]) / 1e6;
      trace?.turns.push([performance.timeOrigin + last, now - last, d(0), d(1), d(2), d(3), d(4)]);
    }
    if (trace) setTimeout(tick, 1, now, nowSched);
  };
  process.on('message', (message) => {
    if (message === 'loop-delay') {
      const ms = (ns) => ns / 1e6;
      process.send({
        loopDelay: {
          p50: ms(histogram.percentile(50)),
          p99: ms(histogram.percentile(99)),
          max: ms(histogram.max),
          gc,
        },
      });
    }
    if (message === 'trace-start') {
      // Marks the phase in the gateway's stdout, where V8's --trace-* flags write (trace-register's TRACE_GC_LOG).
      process.stdout.write('=== trace-start\n');
      sched.list();
      trace = { gc: [], turns: [], commits: [], sched: sched.read() };
      // Every group commit of a persistent store (@localcloud/persistence publishes them while subscribed):
      // [first change appended, its sync started, completed (ms since the epoch), changes covered, each
      // waiter's wait in ms].
      require('node:diagnostics_channel').subscribe(GROUP_COMMIT, recordCommit);
      setTimeout(tick, 1, performance.now(), trace.sched);
    }
    // Allocation sampling (trace-register's TRACE_HEAP_SAMPLING): 'heap-sampling-start' with `promoted`
    // also counts what a mark-compact collected (objects that outlived the young generation, then died),
    // with `all` what a scavenge collected too (every allocation: what makes the young generation fill);
    // 'heap-sampling-stop' collects fully first (--expose-gc), so what is left is what the state holds.
    if (message?.heapSampling === 'start') {
      const inspector = require('node:inspector');
      heapSession = new inspector.Session();
      heapSession.connect();
      heapSession.post('HeapProfiler.enable');
      heapSession.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: message.promoted === true || message.all === true,
        includeObjectsCollectedByMinorGC: message.all === true,
      });
    }
    if (message?.heapSampling === 'stop' && heapSession) {
      global.gc?.();
      heapSession.post('HeapProfiler.getSamplingProfile', (error, result) => {
        heapSession.post('HeapProfiler.stopSampling');
        heapSession.disconnect();
        heapSession = undefined;
        // Bytes by allocating function (its own allocations), with its caller for context.
        const bytes = {};
        const walk = (node, caller) => {
          const { functionName, url, lineNumber } = node.callFrame;
          const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
          if (node.selfSize > 0) {
            const key = `${name} <- ${caller}`;
            bytes[key] = (bytes[key] ?? 0) + node.selfSize;
          }
          for (const child of node.children) walk(child, name);
        };
        if (!error) walk(result.profile.head, '');
        process.send({ heapSampling: error ? { error: String(error) } : bytes });
      });
    }
    // With --expose-gc: the heap in use after a full collection (what the state holds).
    if (message === 'heap' && global.gc) {
      global.gc();
      process.send({ heap: { used: process.memoryUsage().heapUsed } });
    }
    if (message === 'trace-stop') {
      process.stdout.write('=== trace-stop\n');
      require('node:diagnostics_channel').unsubscribe(GROUP_COMMIT, recordCommit);
      // The phase's totals in the same terms (ns): main on CPU, main waiting, other threads, the client.
      const end = sched.read();
      trace.sched = end.map((ns, i) => ns - trace.sched[i]);
      trace.rss = process.memoryUsage().rss;
      trace.threads = sched.threads();
      process.send({ trace });
      trace = undefined;
    }
    if (message === 'loop-delay' || message === 'loop-reset') {
      histogram.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0 };
    }
  });
  // The IPC channel must not keep the gateway alive after SIGTERM's close.
  process.channel?.unref();
}

/**
 * Reads the scheduler's accounting (ns) of this process's threads and of the parent's main thread:
 * [main on CPU, main runnable but waiting, the other threads on CPU, the parent's main thread on CPU,
 * the whole process on CPU (getrusage)].
 * Files are kept open and read with pread (a few µs per tick). `list()` (at each trace's start) finds the
 * threads again; one that ends keeps its last figure. All zeros where /proc has no schedstat.
 */
function schedReader() {
  const fs = require('node:fs');
  const buffer = Buffer.alloc(128);
  const open = (file) => {
    try {
      return { fd: fs.openSync(file, 'r'), last: [0, 0] };
    } catch {
      return undefined;
    }
  };
  const fields = (file) => {
    if (file === undefined) return [0, 0];
    try {
      const n = fs.readSync(file.fd, buffer, 0, buffer.length, 0);
      const [run, wait] = buffer.toString('latin1', 0, n).split(' ');
      file.last = [Number(run), Number(wait)];
    } catch {
      // A thread that has ended: its last figures stand.
    }
    return file.last;
  };
  const main = open(`/proc/self/task/${process.pid}/schedstat`);
  const parent = open(`/proc/${process.ppid}/task/${process.ppid}/schedstat`);
  let others = [];
  return {
    list() {
      for (const file of others) fs.closeSync(file.fd);
      let tids = [];
      try {
        tids = fs.readdirSync('/proc/self/task').filter((tid) => tid !== String(process.pid));
      } catch {
        // No /proc: no other threads to read.
      }
      others = tids
        .map((tid) => {
          const file = open(`/proc/self/task/${tid}/schedstat`);
          if (file) file.name = `${tid} ${fs.readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim()}`;
          return file;
        })
        .filter(Boolean);
      for (const file of others) file.start = fields(file)[0];
    },
    /** Each other thread's time on CPU since `list()`, ms, by "tid name". */
    threads() {
      return Object.fromEntries(others.map((file) => [file.name, (fields(file)[0] - file.start) / 1e6]));
    },
    read() {
      const [run, wait] = fields(main);
      let other = 0;
      for (const file of others) other += fields(file)[0];
      // The process's CPU as getrusage counts it (exact; a running thread's schedstat lags by up to a tick).
      const { user, system } = process.cpuUsage();
      return [run, wait, other, fields(parent)[0], (user + system) * 1000];
    },
  };
}

const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..');

if (process.env.BENCH_BACKEND !== 'memory') {
  // What `npm start` runs: the bundle where the build has one.
  const bundle = path.join(root, 'packages/gateway/dist/localcloud.js');
  require(require('node:fs').existsSync(bundle) ? bundle : path.join(root, 'packages/gateway/dist/main.js'));
} else {
  const { createGateway, loadConfig, createLogger } = require(path.join(root, 'packages/gateway/dist'));
  const { EcsProvider } = require(path.join(root, 'packages/ecs-provider/dist'));
  const { InMemoryBackend } = require(path.join(root, 'packages/docker-backend/dist'));
  const config = loadConfig();
  const backend = new InMemoryBackend({ images: ['app:1'] });
  createGateway({
    config,
    logger: createLogger(config.logLevel),
    providers: { ecs: (c) => new EcsProvider(c, { backend }) },
  })
    .then(async (gateway) => {
      await gateway.listen();
      const stop = () => gateway.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
