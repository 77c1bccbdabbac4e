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
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      trace?.gc.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind ?? entry.kind]);
    }
  }).observe({ entryTypes: ['gc'] });
  // A 1 ms timer chain: a gap well over 1 ms between two firings is one turn of that length (or a pause).
  const tick = (last) => {
    const now = performance.now();
    if (now - last > 3) trace?.turns.push([performance.timeOrigin + last, now - last]);
    if (trace) setTimeout(tick, 1, now);
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
      trace = { gc: [], turns: [] };
      setTimeout(tick, 1, performance.now());
    }
    // With --expose-gc: the heap in use after a full collection (what the state holds).
    if (message === 'heap' && global.gc) {
      global.gc();
      process.send({ heap: { used: process.memoryUsage().heapUsed } });
    }
    if (message === 'trace-stop') {
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
