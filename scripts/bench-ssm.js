#!/usr/bin/env node
// SSM Parameter Store benchmark: requests per second and p50/p99 latency of PutParameter, GetParameter
// (a String, and a SecureString WithDecryption, the call ECS makes per task secret) and GetParametersByPath
// at 16 concurrent clients, with state in memory and with PERSISTENCE=1 (journal on disk, fdatasync per change).
//
//   npm run bench -- ssm
//   BENCH_SCALE=0.2 node scripts/bench-ssm.js   # fewer requests (a quick look)
//
// Same harness as bench-control-plane.js: the gateway in a child process of its own (from source) on a free
// loopback port, clients speaking AWS JSON 1.1 over keep-alive HTTP, every phase bounded by a request count
// and a time limit.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Buffer } = require('node:buffer');
const { performance } = require('node:perf_hooks');
const { setTimeout } = require('node:timers');
const { URL } = require('node:url');

const CONCURRENCY = 16;
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const PHASE_TIME_LIMIT_MS = 60_000;
const GATEWAY = path.join(__dirname, '../packages/ecs-provider/scripts/gateway-from-source.js');

/** A free loopback port: the gateway logs only warnings here, so it cannot report the port it picked. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = require('node:net').createServer();
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
  const child = spawn(process.execPath, [GATEWAY], {
    env: { ...process.env, SERVICES: 'ssm', GATEWAY_LISTEN: `127.0.0.1:${port}`, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the gateway exited before it was ready');
    const healthy = await new Promise((resolve) => {
      http.get(`${url}/_localcloud/health`, (res) => resolve(res.statusCode === 200)).on('error', () => resolve(false));
    });
    if (healthy) return { child, url };
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

function client(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { hostname, port } = new URL(url);
  return {
    call(operation, input) {
      const body = JSON.stringify(input);
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            agent,
            hostname,
            port,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-amz-json-1.1',
              'content-length': Buffer.byteLength(body),
              'x-amz-target': `AmazonSSM.${operation}`,
              authorization:
                'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0',
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
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (issued < total && performance.now() < deadline) {
        const n = issued++;
        const t0 = performance.now();
        await makeCall(worker, n);
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
  const ssm = client(gateway.url);
  const puts = Math.max(CONCURRENCY, Math.round(2000 * SCALE));
  const names = 200;
  const results = [];
  try {
    // Warm-up, not measured: the first call of an operation compiles its validator, and the JIT warms up.
    for (let i = 0; i < 200; i += 1) {
      await ssm.call('PutParameter', { Name: '/warm/up', Value: `v${i}`, Type: 'SecureString', Overwrite: true });
      await ssm.call('GetParameter', { Name: '/warm/up', WithDecryption: true });
      await ssm.call('GetParametersByPath', { Path: '/warm' });
    }
    results.push(
      await phase('PutParameter (new version)', puts, (_worker, n) =>
        ssm.call('PutParameter', {
          Name: `/bench/app${n % 10}/param${n % names}`,
          Value: `value-${n}`,
          Type: n % 2 ? 'SecureString' : 'String',
          Overwrite: true,
        }),
      ),
    );
    results.push(
      await phase('GetParameter String', Math.round(10000 * SCALE), (_worker, n) =>
        ssm.call('GetParameter', { Name: `/bench/app${(2 * n) % 10}/param${(2 * n) % names}` }),
      ),
    );
    results.push(
      await phase('GetParameter SecureString WithDecryption', Math.round(10000 * SCALE), (_worker, n) =>
        ssm.call('GetParameter', {
          Name: `/bench/app${(2 * n + 1) % 10}/param${(2 * n + 1) % names}`,
          WithDecryption: true,
        }),
      ),
    );
    results.push(
      await phase('GetParametersByPath (20 per path, pages of 10)', Math.round(2000 * SCALE), (_worker, n) =>
        ssm.call('GetParametersByPath', { Path: `/bench/app${n % 10}`, MaxResults: 10 }),
      ),
    );
  } finally {
    ssm.close();
    await stopGateway(gateway);
  }
  return results.map((r) => ({ mode: label, ...r }));
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-bench-ssm-'));
  try {
    const rows = [
      ...(await runMode('memory', {})),
      ...(await runMode('persistence', { PERSISTENCE: '1', DATA_DIR: dataDir })),
    ];
    const format = (ms) => `${ms.toFixed(2)} ms`;
    console.log(
      `SSM Parameter Store, ${CONCURRENCY} concurrent clients, ${os.cpus().length} CPUs, node ${process.version}`,
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

module.exports = { run: main };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
