// The CloudWatch Logs store in-process, without Docker or HTTP (`npm run bench -- logs-store`): what a stream
// of BENCH_LOG_STORE_LINES lines (default 1,000,000) of ~100 bytes costs to keep and to read.
//   heap:   V8 heap and array buffers held by the stream once appended (after a full GC, `--expose-gc`), per
//           line, beside the message bytes themselves: ~1× their size means the messages are kept once, ~2× twice
//   append: CPU time (`process.cpuUsage`) of `LogsStore.append` in 5,000-line batches (as the awslogs shipper
//           delivers), per line; the lines are decoded from a Buffer beforehand, as the log parser does
//   read:   CPU time of GetLogEvents (the handler, answers serialised as the gateway writes them) paging the whole
//           stream forward 10,000 events a page, per line
//   reopen: the same heap figure for a new LogsStore over the same state, once the stream is loaded
// Both in memory and persistent (a journal in a temporary directory, as PERSISTENCE=1): the store's own
// representation is measured; persistent, the journal's JSON writing of each chunk also flattens its text.
// BENCH_BASE_ROOT=<another built checkout> measures that build too, in the same run (before/after); each build
// runs in its own `node --expose-gc` process, BENCH_LOG_STORE_ROUNDS times (default 2), alternating.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const LINES = Number(process.env.BENCH_LOG_STORE_LINES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_LOG_STORE_ROUNDS ?? 2);
const BATCH = 5000;
const PAGE = 10_000;

async function child(root, mode) {
  const { openStateStore } = require(require.resolve('@localcloud/persistence', { paths: [root] }));
  const { LogsStore } = require(path.join(root, 'packages/logs-provider/dist/store/logs-store.js'));
  const { getLogEvents } = require(path.join(root, 'packages/logs-provider/dist/handlers/log-events.js'));
  // The gateway's own writer of answers (older builds: JSON.stringify, which it was then near enough).
  const protocol = path.join(root, 'packages/gateway/dist/protocol/json-protocol.js');
  const serialize = fs.existsSync(protocol) ? require(protocol).serializeJson : JSON.stringify;
  const scope = { account: '000000000000', region: 'us-east-1' };
  let now = Date.UTC(2030, 0, 15);
  // The heap and array buffers: a stream's events are typed-array columns since the columns round.
  const heap = () => {
    global.gc();
    global.gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const dir = mode === 'persistent' ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-logs-store-')) : undefined;
  const state = openStateStore({ dir });
  const store = new LogsStore(state);
  const group = store.createGroup('/bench', now);
  const stream = store.createStream(group, 's', now);
  const before = heap();

  let appendUs = 0;
  let messageBytes = 0;
  let timestamp = now;
  for (let done = 0; done < LINES; done += BATCH) {
    // One Buffer of lines, each decoded as its own string, as the log parser hands them on.
    const count = Math.min(BATCH, LINES - done);
    const text = [];
    for (let i = 0; i < count; i++) text.push(`2030-01-15 line ${done + i} ${'abcdefghij'.repeat(8)}`.slice(0, 100));
    const buffer = Buffer.from(text.join('\n'));
    const batch = new Array(count);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const end = offset + text[i].length;
      batch[i] = { timestamp: timestamp + Math.floor(i / 10), message: buffer.toString('utf8', offset, end) };
      messageBytes += end - offset;
      offset = end + 1;
    }
    timestamp += Math.ceil(count / 10);
    now += 150;
    const start = process.cpuUsage();
    store.append(group, stream, batch, now);
    const used = process.cpuUsage(start);
    appendUs += used.user + used.system;
    await state.durable();
  }
  const held = heap() - before;

  const logs = { scope, store, now };
  let readUs = 0;
  let read = 0;
  let token;
  for (;;) {
    const start = process.cpuUsage();
    const answer = getLogEvents(
      { logGroupName: '/bench', logStreamName: 's', startFromHead: true, limit: PAGE, nextToken: token },
      logs,
    );
    serialize(answer);
    const used = process.cpuUsage(start);
    readUs += used.user + used.system;
    if (answer.events.length === 0) break;
    read += answer.events.length;
    token = answer.nextForwardToken;
  }
  if (read !== LINES) throw new Error(`read ${read} of ${LINES} lines`);

  // A new store over the same state, as after a restart: its events loaded from the chunks.
  const reopened = new LogsStore(state);
  const g = reopened.group('/bench');
  if (reopened.events(g, g.streams.get('s'), now).length !== LINES) throw new Error('reopen lost lines');
  const reopenedHeld = heap() - before;
  // Keep both alive until measured.
  if (!store.group('/bench') || !reopened.group('/bench')) throw new Error('unreachable');
  state.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  return {
    heapPerLine: held / LINES,
    reopenHeapPerLine: (reopenedHeld - held) / LINES,
    messageBytesPerLine: messageBytes / LINES,
    appendUsPerLine: appendUs / LINES,
    readUsPerLine: readUs / LINES,
  };
}

function measure(root, mode) {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', root, mode], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out);
}

async function run() {
  const builds = [['this build', ROOT]];
  if (process.env.BENCH_BASE_ROOT) builds.unshift(['base', process.env.BENCH_BASE_ROOT]);
  const rows = [];
  const last = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, root] of round % 2 === 1 ? builds : [...builds].reverse()) {
      for (const mode of ['memory', 'persistent']) {
        const r = measure(root, mode);
        if (name === 'this build') last[mode] = r;
        rows.push({
          round,
          build: name,
          mode,
          'heap/line': `${r.heapPerLine.toFixed(0)} B`,
          'heap/line after reopen': `${r.reopenHeapPerLine.toFixed(0)} B`,
          'message bytes/line': r.messageBytesPerLine.toFixed(0),
          'append CPU/line': `${r.appendUsPerLine.toFixed(2)} µs`,
          'GetLogEvents CPU/line': `${r.readUsPerLine.toFixed(2)} µs`,
          load: os.loadavg()[0].toFixed(1),
        });
      }
    }
  }
  console.log(`${LINES} lines of ~100 bytes`);
  console.table(rows);
  return ['memory', 'persistent'].flatMap((mode) => [
    {
      key: `awslogs store heap per ~100-byte line (${mode})`,
      value: `${last[mode].heapPerLine.toFixed(0)} B`,
      target: 'the messages held once (no second copy of ~120 B per line)',
    },
    { key: `awslogs store append CPU per line (${mode})`, value: `${last[mode].appendUsPerLine.toFixed(2)} µs` },
    { key: `awslogs store GetLogEvents CPU per line (${mode})`, value: `${last[mode].readUsPerLine.toFixed(2)} µs` },
  ]);
}

module.exports = { run };
if (require.main === module) {
  if (process.argv[2] === '--child') {
    child(process.argv[3], process.argv[4]).then((r) => process.stdout.write(JSON.stringify(r)));
  } else {
    run().catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}
