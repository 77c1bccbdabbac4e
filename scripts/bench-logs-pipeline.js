// The awslogs path in process, without Docker or HTTP: what the gateway does per line between the engine's
// attach stream and a GetLogEvents answer, in CPU time, on a machine too loaded for bench-logs' lines/s.
//   ingest: 4 KiB multiplexed frames (as `awk` writes to a pipe) fed in 12,000-byte reads to the
//           AttachLineSplitter, each read's lines handed to the AwsLogsShipper (into LogsProvider.putEvents,
//           in memory) and to the task console (writing to /dev/null), per line
//   read:   GetLogEvents paging the stream forward, each page serialised and encoded into the bytes the
//           gateway hands to the socket (writeText's count and Buffer for a text, the pieces as they are),
//           per line
// Prints the minimum and the median over BENCH_PIPELINE_ROUNDS rounds (default 9) in one process: under
// contention only the minimum is steady. BENCH_BASE_ROOT=<another built checkout> runs that build first.
//   node scripts/bench-logs-pipeline.js   (BENCH_LOG_LINES=200000; BENCH_LOG_LINE_BYTES=100 pads each line
//   to that many bytes, as an application's log lines are; by default lines are `line <n>`, as bench-logs').
//   BENCH_PIPELINE_FRAME_BYTES (4096) and BENCH_PIPELINE_READ_BYTES (12000) size the frames and reads: under
//   load the engine's attach handed bench-logs' 200,000 lines over in 540–8,100 reads, 270 B–4 KB each.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const LINES = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_PIPELINE_ROUNDS ?? 9);
const LINE_BYTES = Number(process.env.BENCH_LOG_LINE_BYTES ?? 0);
const FRAME_BYTES = Number(process.env.BENCH_PIPELINE_FRAME_BYTES ?? 4096);
const READ_BYTES = Number(process.env.BENCH_PIPELINE_READ_BYTES ?? 12_000);
const logger = { warn() {}, info() {}, debug() {}, error() {} };

/** The attach stream's bytes for LINES lines, cut into socket reads. */
function attachReads() {
  const line = (i) => `line ${i}`.padEnd(LINE_BYTES, ' request handled in 12 ms path=/api/v1/items status=200');
  const text = Buffer.from(Array.from({ length: LINES }, (_, i) => `${line(i)}\n`).join(''));
  const frames = [];
  for (let offset = 0; offset < text.length; offset += FRAME_BYTES) {
    const payload = text.subarray(offset, Math.min(text.length, offset + FRAME_BYTES));
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(payload.length, 4);
    frames.push(header, payload);
  }
  const all = Buffer.concat(frames);
  const reads = [];
  for (let offset = 0; offset < all.length; offset += READ_BYTES) {
    reads.push(Buffer.from(all.subarray(offset, Math.min(all.length, offset + READ_BYTES))));
  }
  return reads;
}

async function round(root, reads) {
  const load = (file) => require(path.join(root, 'packages', file));
  const { AttachLineSplitter } = load('docker-backend/dist/log-stream.js');
  const { AwsLogsShipper } = load('ecs-provider/dist/task-agent/awslogs-shipper.js');
  const { TaskConsole, FdWriter } = load('ecs-provider/dist/task-agent/console-output.js');
  const { LogsProvider } = load('logs-provider/dist/provider.js');
  const { getLogEvents } = load('logs-provider/dist/handlers/log-events.js');
  const { jsonBody } = load('gateway/dist/protocol/json-protocol.js');
  const provider = new LogsProvider({ persistence: { enabled: false } });
  const scope = { accountId: '000000000000', region: 'us-east-1' };
  provider.ensureGroup(scope, 'g', { create: true });
  provider.ensureStream(scope, 'g', 's');
  const shipper = new AwsLogsShipper(provider, { scope, group: 'g', stream: 's' }, logger, {});
  const devNull = fs.openSync('/dev/null', 'w');
  const taskConsole = new TaskConsole(logger, new FdWriter(devNull)).consumer('app_1_app_1abcdef0');
  const splitter = new AttachLineSplitter();

  const ingestStart = process.cpuUsage();
  for (let i = 0; i < reads.length; i++) {
    const lines = [];
    splitter.data(reads[i], lines);
    shipper.add(lines);
    taskConsole.add(lines);
    // Let the console's timer and writes run now and then, as the event loop would.
    if (i % 16 === 15) await new Promise(setImmediate);
  }
  shipper.add(splitter.flush());
  shipper.end();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const ingest = process.cpuUsage(ingestStart);

  const readStart = process.cpuUsage();
  let token;
  let read = 0;
  for (;;) {
    const request = { logGroupName: 'g', logStreamName: 's', startFromHead: true, nextToken: token };
    const page = getLogEvents(request, provider.scopeFor(scope));
    const body = jsonBody(page);
    if (typeof body === 'string') {
      // What writeText does before the socket write: count the UTF-8 bytes, and a large body as a Buffer.
      const bytes = Buffer.byteLength(body, 'utf8');
      if (body.length >= 64 * 1024) Buffer.from(body, bytes === body.length ? 'latin1' : 'utf8');
    }
    read += page.events.length;
    if (page.nextForwardToken === token) break;
    token = page.nextForwardToken;
  }
  const readCpu = process.cpuUsage(readStart);
  fs.closeSync(devNull);
  if (read !== LINES) throw new Error(`read ${read} of ${LINES} lines`);
  const perLine = (usage) => (usage.user + usage.system) / LINES;
  return { ingest: perLine(ingest), read: perLine(readCpu) };
}

async function measure(root) {
  const reads = attachReads();
  const results = [];
  for (let r = 0; r < ROUNDS; r++) results.push(await round(root, reads));
  const sorted = (key) => results.map((r) => r[key]).sort((a, b) => a - b);
  const summary = (key) => {
    const values = sorted(key);
    return `min ${values[0].toFixed(2)} µs, median ${values[values.length >> 1].toFixed(2)} µs`;
  };
  return `ingest per line ${summary('ingest')}; GetLogEvents per line ${summary('read')}`;
}

if (process.argv[2] === '--child') {
  measure(process.argv[3]).then((line) => console.log(line));
} else {
  // Each build in a process of its own, so neither inherits the other's heap.
  for (const [name, root] of [
    ['base', process.env.BENCH_BASE_ROOT],
    ['this build', path.join(__dirname, '..')],
  ]) {
    if (!root) continue;
    const line = execFileSync(process.execPath, [__filename, '--child', root], { encoding: 'utf8' }).trim();
    console.log(`${name}: ${LINES} lines${LINE_BYTES ? ` of ${LINE_BYTES} bytes` : ''}, ${ROUNDS} rounds: ${line}`);
  }
}
