// Measures the gateway's start: from spawning it to the first healthy answer of the health endpoint
// (status "running"; the answer does not wait for Docker, which it reports `connecting` until the engine
// first answers), and to the first answer that reports the engine reached, over several runs, for `npm start`'s file (the bundle,
// packages/gateway/dist/localcloud.js), for the container image's entry point (docker/entrypoint.js, laid
// out as the image lays it out) and for the unbundled packages/gateway/dist/main.js, and the resident
// memory (RSS) once idle after start. Needs `npm run build` first (npm run bench does it). BENCH_BASE_ROOT=<another
// checkout> measures that build's bundle and main.js too, alternating with this one run by run.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 10);
const ROOT = path.join(__dirname, '..');
const IDLE_MS = 1000;
/** The variant measured only when the environment sets NODE_EXTRA_CA_CERTS (see run). */
const WITHOUT_EXTRA_CERTS = 'npm start without NODE_EXTRA_CA_CERTS (the environment sets it)';

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The health answer (undefined while the port refuses), as `{ running, engine }`: engine reached or not. */
function health(port) {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/_localcloud/health' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          const answer = JSON.parse(body);
          const running = res.statusCode === 200 && answer.status === 'running';
          resolve({ running, engine: running && answer.services.ecs?.docker?.state !== 'connecting' });
        });
      })
      .on('error', () => resolve(undefined));
  });
}

/** CPU time (user + system, ms) the process has used so far, from /proc: far less load-sensitive than wall time. */
function cpuMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/**
 * Spawns `script`; resolves to ms until healthy, the CPU used to then, ms until an answer reports the
 * Docker engine reached, and the RSS after IDLE_MS of idling.
 */
async function once(script, env = {}) {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  // A setting given as undefined is left out (not passed as the string 'undefined').
  const childEnv = { ...process.env, GATEWAY_LISTEN: `127.0.0.1:${port}`, LOG_LEVEL: 'error', ...env };
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const child = spawn(process.execPath, [script], { env: childEnv, stdio: 'ignore' });
  try {
    let ms;
    let cpu;
    for (let i = 0; i < 4000; i++) {
      const answer = await health(port);
      if (answer?.running && ms === undefined) {
        ms = elapsed();
        cpu = cpuMs(child.pid);
      }
      if (answer?.engine) {
        const engineMs = elapsed();
        const idle = IDLE_MS - (engineMs - ms);
        if (idle > 0) await new Promise((r) => setTimeout(r, idle));
        return { ms, cpu, engineMs, rss: fs.existsSync('/proc') ? rssMiB(child.pid) : NaN };
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error('gateway did not become healthy with the engine reached within 10 s');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** docker/entrypoint.js beside a `packages` link, as the image has it in /opt/localcloud. */
function entrypointLayout() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-entrypoint-'));
  fs.copyFileSync(path.join(ROOT, 'docker/entrypoint.js'), path.join(dir, 'entrypoint.js'));
  fs.symlinkSync(path.join(ROOT, 'packages'), path.join(dir, 'packages'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
};

async function run() {
  const layout = entrypointLayout();
  const variants = [
    ['npm start (dist/localcloud.js)', path.join(ROOT, 'packages/gateway/dist/localcloud.js'), {}],
    ['image entry point (entrypoint.js)', path.join(layout, 'entrypoint.js'), { LOCALCLOUD_RUN_AS_ROOT: '1' }],
    ['unbundled (dist/main.js)', path.join(ROOT, 'packages/gateway/dist/main.js'), {}],
  ];
  // Node reads every certificate of NODE_EXTRA_CA_CERTS before any JavaScript runs, at every start: a
  // setting of the environment (a CI or sandbox often points it at the whole system bundle), not
  // localcloud's. When it is set, the same start without it is measured beside, as a figure of its own.
  const extraCerts = process.env.NODE_EXTRA_CA_CERTS;
  if (extraCerts) {
    variants.push([
      WITHOUT_EXTRA_CERTS,
      path.join(ROOT, 'packages/gateway/dist/localcloud.js'),
      { NODE_EXTRA_CA_CERTS: undefined },
    ]);
  }
  const base = process.env.BENCH_BASE_ROOT;
  if (base) {
    const bundle = path.join(base, 'packages/gateway/dist/localcloud.js');
    if (fs.existsSync(bundle)) variants.push(['base build (dist/localcloud.js)', bundle, {}]);
    variants.push(['base build (dist/main.js)', path.join(base, 'packages/gateway/dist/main.js'), {}]);
  }
  const samples = new Map(variants.map(([name]) => [name, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const [name, script, env] of variants) samples.get(name).push(await once(script, env));
    }
  } finally {
    fs.rmSync(layout, { recursive: true, force: true });
  }
  const figures = [];
  for (const [name] of variants) {
    const ms = stats(samples.get(name).map((s) => s.ms));
    const rss = stats(samples.get(name).map((s) => s.rss));
    const cpu = stats(samples.get(name).map((s) => s.cpu));
    const engine = stats(samples.get(name).map((s) => s.engineMs));
    console.log(
      `startup, ${name}: spawn to first healthy answer, ${RUNS} runs: median ${ms.median.toFixed(0)} ms (min ${ms.min.toFixed(0)}, max ${ms.max.toFixed(0)}), CPU to that answer median ${cpu.median.toFixed(0)} ms (min ${cpu.min.toFixed(0)}); to an answer with the Docker engine reached median ${engine.median.toFixed(0)} ms; idle RSS median ${rss.median.toFixed(1)} MiB`,
    );
    if (name === WITHOUT_EXTRA_CERTS) {
      figures.push({
        key: `${name}: start-up, median of ${RUNS}`,
        value: `${ms.median.toFixed(0)} ms (CPU ${cpu.median.toFixed(0)} ms)`,
      });
      continue;
    }
    if (name.startsWith('base') || name.startsWith('unbundled')) continue;
    figures.push({
      key: `start-up, ${name}, median of ${RUNS}`,
      value: `${ms.median.toFixed(0)} ms (CPU ${cpu.median.toFixed(0)} ms)`,
      target: '≤ 150 ms',
      met: ms.median <= 150,
      short: `${ms.median.toFixed(0)}ms`,
    });
    if (name.startsWith('npm start')) {
      // The first answer no longer waits for Docker: how long until one reports the engine, beside it.
      figures.push({
        key: `Docker engine reached (health answer), ${name}, median of ${RUNS}`,
        value: `${engine.median.toFixed(0)} ms`,
      });
      figures.push({
        key: 'idle RSS after start',
        value: `${rss.median.toFixed(1)} MiB`,
        target: '≤ 60 MiB',
        met: rss.median <= 60,
        short: `${rss.median.toFixed(0)}MiB`,
      });
    }
  }
  return figures;
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
