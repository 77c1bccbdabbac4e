// Shared harness of the per-service benchmarks (bench-ssm.js, bench-secretsmanager.js): the gateway in a
// child process of its own on a free loopback port (its CPU apart from the clients'), clients speaking AWS
// JSON 1.1 over keep-alive HTTP as the SDK does, and phases bounded by a request count and a time limit.
// Each mode (in memory, then PERSISTENCE=1) starts a fresh gateway; the results print as one table.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { closedLoop, jsonClient, stopChild: stopGateway } = require('./bench-json-client');

const CONCURRENCY = 16;
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const PHASE_TIME_LIMIT_MS = 60_000;
const MAIN = path.join(__dirname, '../packages/gateway/dist/main.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startGateway(env) {
  const port = await freePort();
  // LOG_LEVEL=warn: one log line per request would be measured too.
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, GATEWAY_LISTEN: `127.0.0.1:${port}`, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the gateway exited before it was ready');
    const healthy = await new Promise((resolve) => {
      http.get(`${url}/_localcloud/health`, (res) => resolve(res.statusCode === 200)).on('error', () => resolve(false));
    });
    if (healthy) return { child, port };
    if (Date.now() > deadline) throw new Error('the gateway did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `total` calls `makeCall(n)` from CONCURRENCY workers; returns throughput and latency percentiles. */
async function phase(name, total, makeCall) {
  return { operation: name, ...(await closedLoop(total, CONCURRENCY, PHASE_TIME_LIMIT_MS, makeCall)) };
}

/**
 * Benchmarks one service in memory and with PERSISTENCE=1. `phases(client)` runs the service's set-up and
 * returns its phase results; `service` is { title, services, targetPrefix, signingName }.
 */
async function benchJsonService(service, phases) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `localcloud-bench-${service.services}-`));
  const runMode = async (mode, env) => {
    const gateway = await startGateway({ SERVICES: service.services, ...env });
    const client = jsonClient(gateway.port, service, CONCURRENCY);
    try {
      return (await phases(client)).map((r) => ({ mode, ...r }));
    } finally {
      client.close();
      await stopGateway(gateway);
    }
  };
  try {
    const rows = [
      ...(await runMode('memory', {})),
      ...(await runMode('persistence', { PERSISTENCE: '1', DATA_DIR: dataDir })),
    ];
    const format = (ms) => `${ms.toFixed(2)} ms`;
    console.log(
      `${service.title}, ${CONCURRENCY} concurrent clients, ${os.cpus().length} CPUs, node ${process.version}`,
    );
    console.table(
      rows.map((r) => ({
        mode: r.mode,
        operation: r.operation,
        requests: r.requests,
        'req/s': r.rps,
        p50: format(r.p50),
        p99: format(r.p99),
      })),
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

module.exports = { SCALE, CONCURRENCY, phase, benchJsonService };
