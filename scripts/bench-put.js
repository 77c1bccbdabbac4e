#!/usr/bin/env node
// The store's put path in-process, no HTTP (only when named: `npm run bench -- put`): a registered
// two-container task definition record (what RegisterTaskDefinition stores, built by the ECS provider's own
// `buildTaskDefinition` from the control-plane bench's input) through the in-memory store's `put`, and the
// re-put of what was stored with one member changed (`{ ...stored, status }`, what DeregisterTaskDefinition
// and every task change do); CPU per put, and the heap each stored record holds after a full GC. Also the
// journal store's put (BENCH_PUT_JOURNAL, `fsync: false`, so the CPU of the write path, not the disk's).
// Each build in its own `node --expose-gc` process, alternating; BENCH_BASE_ROOT=<another built checkout>
// measures that build in the same run (before/after).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BENCH_CONTAINER_DEFINITIONS } = require('./bench-json-client');

const ROOT = path.join(__dirname, '..');
const RECORDS = Number(process.env.BENCH_PUT_RECORDS ?? '20000');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');

function child(root) {
  const { InMemoryStateStore, JournalStateStore } = require(path.join(root, 'packages/persistence/dist'));
  const { buildTaskDefinition } = require(path.join(root, 'packages/ecs-provider/dist/domain/task-definition'));
  const input = () => ({
    family: 'bench',
    containerDefinitions: structuredClone(BENCH_CONTAINER_DEFINITIONS),
  });
  const record = (i) => ({
    taskDefinition: buildTaskDefinition(input(), {
      taskDefinitionArn: `arn:aws:ecs:us-east-1:000000000000:task-definition/bench:${i}`,
      revision: i,
      registeredAt: new Date(),
      registeredBy: 'arn:aws:iam::000000000000:root',
    }),
    tags: [],
  });
  const cpuUs = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const journalDir = process.env.BENCH_PUT_JOURNAL;
  const store = journalDir
    ? new JournalStateStore({ dir: journalDir, fsync: false, compactAfterBytes: 1 << 30 })
    : new InMemoryStateStore();
  const table = store.table('records');
  // Warm-up, then the timed puts; the inputs are built first so that only the put is timed.
  for (let i = 0; i < 2000; i++) table.put(`w${i}`, record(i));
  for (let i = 0; i < 2000; i++) table.delete(`w${i}`);
  global.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const inputs = Array.from({ length: RECORDS }, (_, i) => record(i));
  let start = cpuUs();
  for (let i = 0; i < RECORDS; i++) table.put(`r${i}`, inputs[i]);
  const putUs = (cpuUs() - start) / RECORDS;
  inputs.length = 0;
  global.gc();
  const heapPerRecord = (process.memoryUsage().heapUsed - heapBefore) / RECORDS;
  start = cpuUs();
  for (let i = 0; i < RECORDS; i++) {
    const stored = table.get(`r${i}`);
    table.put(`r${i}`, { ...stored, taskDefinition: { ...stored.taskDefinition, status: 'INACTIVE' } });
  }
  const reputUs = (cpuUs() - start) / RECORDS;
  store.close();
  process.stdout.write(JSON.stringify({ putUs, reputUs, heapPerRecord }));
}

async function run() {
  const roots = [['this build', ROOT]];
  if (process.env.BENCH_BASE_ROOT) roots.unshift(['base', path.resolve(process.env.BENCH_BASE_ROOT)]);
  const builds = [
    ...roots.map(([name, root]) => [name, root, false]),
    ...roots.map(([name, root]) => [`${name}, journal`, root, true]),
  ];
  const results = new Map(builds.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, root, journal] of builds) {
      const dir = journal ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-put-')) : '';
      try {
        const out = execFileSync(process.execPath, ['--expose-gc', __filename], {
          env: { ...process.env, BENCH_PUT_CHILD: root, BENCH_PUT_JOURNAL: dir },
          encoding: 'utf8',
        });
        results.get(name).push(JSON.parse(out));
      } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    `put path, ${RECORDS} task definition records, median of ${ROUNDS} rounds, load ${os.loadavg()[0].toFixed(1)}:`,
  );
  const figures = [];
  for (const [name, runs] of results) {
    const put = median(runs.map((r) => r.putUs));
    const reput = median(runs.map((r) => r.reputUs));
    const heap = median(runs.map((r) => r.heapPerRecord));
    figures.push({
      key: `store put of a task definition record (${name})`,
      value: `${put.toFixed(1)} µs; re-put ${reput.toFixed(1)} µs; ${heap.toFixed(0)} B heap held`,
    });
    console.log(
      `  ${name}: put ${put.toFixed(1)} µs, re-put with one member changed ${reput.toFixed(1)} µs, ` +
        `heap per stored record ${heap.toFixed(0)} B` +
        ` (rounds: ${runs.map((r) => `${r.putUs.toFixed(1)}/${r.reputUs.toFixed(1)}`).join(', ')} µs)`,
    );
  }
  return figures;
}

module.exports = { run };
if (require.main === module) {
  if (process.env.BENCH_PUT_CHILD) child(process.env.BENCH_PUT_CHILD);
  else
    run().catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
