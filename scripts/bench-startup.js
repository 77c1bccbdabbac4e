// Measures the gateway's start: from spawning `node packages/gateway/dist/main.js` to the first answer
// of the health endpoint, over several runs. Needs `npm run build` first (npm run bench does it).
const { spawn } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 10);
const main = path.join(__dirname, '../packages/gateway/dist/main.js');

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function healthy(port) {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/_localcloud/health' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

async function once() {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, GATEWAY_LISTEN: `127.0.0.1:${port}`, LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 2000; i++) {
      if (await healthy(port)) return Number(process.hrtime.bigint() - started) / 1e6;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('gateway did not become healthy within 10 s');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function run() {
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(await once());
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(
    `startup: spawn to first healthy answer, ${RUNS} runs: median ${median.toFixed(0)} ms, min ${samples[0].toFixed(0)} ms, max ${samples.at(-1).toFixed(0)} ms`,
  );
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
