// The gateway's CPU per GetLogEvents page answered over HTTP, without Docker: a Node http server answers
// every request with the first page of a 100,000-line stream through the gateway's `sendJsonResult`, a
// client in another process asks for it 40 times a round; the server's CPU (user + system) per page, min
// and median of 5 rounds. BENCH_BASE_ROOT=<another built checkout> runs that build first, each in its own
// process. BENCH_LOG_LINE_BYTES=100 pads each line to that many bytes (default: `line <n>`, as bench-logs').
//   node scripts/bench-logs-answer.js
const http = require('node:http');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const LINE_BYTES = Number(process.env.BENCH_LOG_LINE_BYTES ?? 0);
const ROUNDS = 5;
const PAGES = 40;

function measure(root) {
  const load = (file) => require(path.join(root, 'packages', file));
  const { LogsProvider } = load('logs-provider/dist/provider.js');
  const { getLogEvents } = load('logs-provider/dist/handlers/log-events.js');
  const { sendJsonResult } = load('gateway/dist/protocol/json-protocol.js');
  const provider = new LogsProvider({ persistence: { enabled: false } });
  const scope = { accountId: '000000000000', region: 'us-east-1' };
  provider.ensureGroup(scope, 'g', { create: true });
  provider.ensureStream(scope, 'g', 's');
  const now = Date.now();
  const message = (i) => `line ${i}`.padEnd(LINE_BYTES, ' request handled in 12 ms path=/api/v1/items status=200');
  for (let b = 0; b < 20; b++) {
    const batch = Array.from({ length: 5000 }, (_, i) => ({ timestamp: now, message: message(b * 5000 + i) }));
    provider.putEvents(scope, 'g', 's', batch);
  }
  const logs = provider.scopeFor(scope);
  const request = { logGroupName: 'g', logStreamName: 's', startFromHead: true };
  const events = getLogEvents(request, logs).events.length;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => sendJsonResult(res, 'application/x-amz-json-1.1', getLogEvents(request, logs)));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', async () => {
      const { port } = server.address();
      const client = `const http = require('node:http'); let n = 0;
        const go = () => http.request({ host: '127.0.0.1', port: ${port}, method: 'POST' }, (res) => {
          res.resume(); res.on('end', () => { if (++n < Number(process.argv[1])) go(); });
        }).end('{}');
        go();`;
      const run = (n) => new Promise((done) => spawn(process.execPath, ['-e', client, String(n)]).on('close', done));
      await run(10);
      const perPage = [];
      for (let r = 0; r < ROUNDS; r++) {
        const start = process.cpuUsage();
        await run(PAGES);
        const used = process.cpuUsage(start);
        perPage.push((used.user + used.system) / PAGES / 1000);
      }
      perPage.sort((a, b) => a - b);
      server.close();
      const ms = (value) => value.toFixed(2);
      resolve(`page of ${events} events: server CPU min ${ms(perPage[0])} ms, median ${ms(perPage[ROUNDS >> 1])} ms`);
    });
  });
}

if (process.argv[2] === '--child') {
  measure(process.argv[3]).then((line) => console.log(line));
} else {
  for (const [name, root] of [
    ['base', process.env.BENCH_BASE_ROOT],
    ['this build', path.join(__dirname, '..')],
  ]) {
    if (!root) continue;
    console.log(
      `${name}: ${execFileSync(process.execPath, [__filename, '--child', root], { encoding: 'utf8' }).trim()}`,
    );
  }
}
