// Counts the instructions the gateway executes from spawn to its first answered ListClusters, with
// valgrind's callgrind: a count that, unlike wall or CPU time, does not move with the machine's load, so
// two builds can be compared on a busy shared machine (docs/benchmarks.md, "Issue #18, snapshot round").
// The gateway runs under valgrind with a preload that ends it once that answer is written; the client
// only tries to connect until the port accepts (a refused connection costs the gateway nothing) and sends
// one ListClusters. Runs each script RUNS times, alternating; prints the counts and their medians.
//
//   node scripts/count-startup-instructions.js [script…]   (default: npm start's packages/gateway/dist/localcloud.js)
//   COUNT_RUNS=3, COUNT_ENV='{"PROVIDER_START":"eager"}'
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const RUNS = Number(process.env.COUNT_RUNS ?? 3);

/** Preloaded into the gateway: exit once the first ListClusters answer has been written. */
const PRELOAD = `
const http = require('node:http');
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && String(req.headers['x-amz-target']).endsWith('.ListClusters')) {
    res.once('finish', () => process.exit(0));
  }
  return emit.apply(this, arguments);
};
`;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function listClusters(port) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', () => resolve(undefined));
    req.end('{}');
  });
}

async function count(script, preload) {
  const port = await freePort();
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '-r', preload, script],
    {
      env: {
        ...process.env,
        GATEWAY_LISTEN: `127.0.0.1:${port}`,
        LOG_LEVEL: 'error',
        LOCALCLOUD_RUN_AS_ROOT: '1',
        ...JSON.parse(process.env.COUNT_ENV ?? '{}'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let status;
  for (let i = 0; i < 3000 && status === undefined; i++) {
    status = await listClusters(port);
    if (status === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  await exited;
  const collected = /Collected : (\d+)/.exec(stderr);
  if (status !== 200 || !collected) throw new Error(`no count (ListClusters answered ${status}):\n${stderr}`);
  return Number(collected[1]);
}

async function main() {
  const scripts = process.argv.slice(2);
  if (scripts.length === 0) scripts.push(path.join(ROOT, 'packages/gateway/dist/localcloud.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-count-'));
  const preload = path.join(dir, 'exit-after-list-clusters.js');
  fs.writeFileSync(preload, PRELOAD);
  const counts = new Map(scripts.map((script) => [script, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const script of scripts) counts.get(script).push(await count(path.resolve(script), preload));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const [script, samples] of counts) {
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `${script}: median ${(median / 1e6).toFixed(1)} M instructions to the first ListClusters answer (${samples.map((n) => (n / 1e6).toFixed(1)).join(', ')})`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
