// Secrets Manager benchmark: requests per second and p50/p99 latency of GetSecretValue (by name, and by
// ARN with a VersionStage) at 16 concurrent clients, and of PutSecretValue and CreateSecret (each a durable
// write with PERSISTENCE=1), with state in memory and persistent.
//
//   npm run bench -- secretsmanager
//   BENCH_SCALE=0.2 node scripts/bench-secretsmanager.js   # fewer requests (after `npm run build`)
//
// The gateway runs in a child process of its own (packages/gateway/dist/main.js) on a free loopback port,
// so its CPU is measured apart from the clients'. Clients speak AWS JSON 1.1 over keep-alive HTTP, as the
// SDK does. Every phase is bounded by a request count and a time limit; the gateway is stopped at the end.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

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
    env: { ...process.env, SERVICES: 'secretsmanager', GATEWAY_LISTEN: `127.0.0.1:${port}`, LOG_LEVEL: 'warn', ...env },
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

function stopGateway({ child }) {
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

function client(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return {
    call(operation, input) {
      const body = JSON.stringify(input);
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            agent,
            hostname: '127.0.0.1',
            port,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-amz-json-1.1',
              'content-length': Buffer.byteLength(body),
              'x-amz-target': `secretsmanager.${operation}`,
              authorization:
                'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
            },
          },
          (response) => {
            const chunks = [];
            response.on('data', (c) => chunks.push(c));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (response.statusCode !== 200)
                reject(new Error(`${operation} answered ${response.statusCode}: ${text}`));
              else resolve(JSON.parse(text));
            });
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Runs `total` calls from CONCURRENCY workers; returns throughput and latency percentiles. */
async function phase(name, total, makeCall) {
  const latencies = [];
  let issued = 0;
  const started = performance.now();
  const deadline = started + PHASE_TIME_LIMIT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < total && performance.now() < deadline) {
        const n = issued++;
        const t0 = performance.now();
        await makeCall(n);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    operation: name,
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    p50: pct(50),
    p99: pct(99),
  };
}

async function runMode(label, env) {
  const gateway = await startGateway(env);
  const sm = client(gateway.port);
  const secrets = 100;
  const value = JSON.stringify({ username: 'app', password: 'x'.repeat(64), host: 'db.internal', port: 5432 });
  const results = [];
  try {
    const arns = [];
    for (let i = 0; i < secrets; i++) {
      arns.push((await sm.call('CreateSecret', { Name: `bench/app-${i}`, SecretString: value })).ARN);
      await sm.call('PutSecretValue', { SecretId: `bench/app-${i}`, SecretString: `${value} v2` });
    }
    // Warm-up, not measured: the JIT, and the first call's validator set-up.
    for (let i = 0; i < 300; i++) await sm.call('GetSecretValue', { SecretId: `bench/app-${i % secrets}` });
    results.push(
      await phase('GetSecretValue (name)', Math.round(20_000 * SCALE), (n) =>
        sm.call('GetSecretValue', { SecretId: `bench/app-${n % secrets}` }),
      ),
    );
    results.push(
      await phase('GetSecretValue (ARN, AWSPREVIOUS)', Math.round(20_000 * SCALE), (n) =>
        sm.call('GetSecretValue', { SecretId: arns[n % secrets], VersionStage: 'AWSPREVIOUS' }),
      ),
    );
    results.push(
      await phase('PutSecretValue', Math.round(3000 * SCALE), (n) =>
        sm.call('PutSecretValue', { SecretId: `bench/app-${n % secrets}`, SecretString: `${value} ${n}` }),
      ),
    );
    results.push(
      await phase('CreateSecret', Math.round(3000 * SCALE), (n) =>
        sm.call('CreateSecret', { Name: `bench/new-${n}`, SecretString: value }),
      ),
    );
  } finally {
    sm.close();
    await stopGateway(gateway);
  }
  return results.map((r) => ({ mode: label, ...r }));
}

async function run() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-bench-sm-'));
  try {
    const rows = [
      ...(await runMode('memory', {})),
      ...(await runMode('persistence', { PERSISTENCE: '1', DATA_DIR: dataDir })),
    ];
    const format = (ms) => `${ms.toFixed(2)} ms`;
    console.log(
      `Secrets Manager, ${CONCURRENCY} concurrent clients, ${os.cpus().length} CPUs, node ${process.version}`,
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

module.exports = { run };

if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
