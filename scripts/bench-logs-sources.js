// What caps the awslogs figure before the gateway: each stage of a container's log measured alone, with
// nothing of ours running (`npm run bench -- logs-sources`, or `node scripts/bench-logs-sources.js`).
// For each producer (the busybox `sh` loop the awslogs bench used, one write per line; and `awk`, which
// writes through stdio's buffer as most real programs do when their output is not a terminal):
//   producer alone:   the container writing to /dev/null inside itself (json-file driver, nothing logged)
//   json-file write:  the container's lines through the json-file driver, no Engine reader: until the log
//                     file (inspect's LogPath, read directly every 5 ms) holds every line; the container's
//                     exit is not that moment, the driver writes what the pipe still holds after it
//   follow:           GET /containers/<id>/logs?follow=1&timestamps=1 by a bare client (what the gateway reads)
//   attach:           POST /containers/<id>/attach?stream=1&stdout=1&stderr=1 opened before start, bare
//                     client (the container's output as the engine copies it, without the json-file)
//   read back:        GET /containers/<id>/logs (no follow) of the finished log
// Each figure is seconds from the container's start request to the last line seen (or the container's
// exit), for BENCH_LOG_LINES (200,000) lines; BENCH_SOURCES_ROUNDS (1) rounds, printed one line each.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const { attachCount, engine, frameCounter } = require('./bench-logs-engine');

const SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
const IMAGE = 'localcloud-test/busybox:latest';
const LINES = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_SOURCES_ROUNDS ?? 1);

const PRODUCERS = {
  'sh loop': (n) => `i=0; while [ $i -lt ${n} ]; do echo "line $i"; i=$((i+1)); done`,
  awk: (n) => `awk 'BEGIN { for (i = 0; i < ${n}; i++) print "line " i }'`,
};

async function create(script) {
  const { Id } = await engine('POST', '/containers/create', {
    Image: IMAGE,
    Cmd: ['sh', '-c', script],
    Labels: { 'localcloud.bench': `logs-sources${process.pid}` },
    HostConfig: { LogConfig: { Type: 'json-file', Config: {} } },
  });
  return Id;
}

/** A GET's body counted as frames (Node's http client; the follow's chunked framing is taken off by it). */
function countGet(path, lines) {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: SOCKET, method: 'GET', path }, (response) => {
      const counter = frameCounter(lines, (r) => {
        response.destroy();
        resolve({ ...r, at: process.hrtime.bigint() });
      });
      response.on('data', counter.data);
      response.on('end', counter.end);
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const seconds = (from, to) => Number(to - from) / 1e9;

/** Polls a json-file log (one JSON object per line) until it holds `lines` lines; resolves then. */
async function fileLines(file, lines) {
  let seen = 0;
  let offset = 0;
  const buffer = Buffer.alloc(1 << 20);
  const fd = await fs.promises.open(file, 'r');
  try {
    while (seen < lines) {
      const { bytesRead } = await fd.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      offset += bytesRead;
      for (let i = buffer.indexOf(10); i >= 0 && i < bytesRead; i = buffer.indexOf(10, i + 1)) seen++;
    }
  } finally {
    await fd.close();
  }
  return process.hrtime.bigint();
}

async function measure(name, script) {
  const results = {};
  const run = async (label, body) => {
    const id = await create(body);
    try {
      results[label] = await labelled[label](id);
    } finally {
      await engine('DELETE', `/containers/${id}?force=1`).catch(() => undefined);
    }
  };
  const exitAfterStart = async (id) => {
    const waiting = engine('POST', `/containers/${id}/wait`);
    const t0 = process.hrtime.bigint();
    await engine('POST', `/containers/${id}/start`);
    await waiting;
    return { seconds: seconds(t0, process.hrtime.bigint()) };
  };
  const written = async (id) => {
    const t0 = process.hrtime.bigint();
    await engine('POST', `/containers/${id}/start`);
    // The log file's path is known once the container started.
    const { LogPath } = await engine('GET', `/containers/${id}/json`);
    return { seconds: seconds(t0, await fileLines(LogPath, LINES)) };
  };
  const labelled = {
    'producer alone': exitAfterStart,
    'json-file write': written,
    follow: async (id) => {
      const t0 = process.hrtime.bigint();
      await engine('POST', `/containers/${id}/start`);
      const r = await countGet(`/containers/${id}/logs?follow=1&stdout=1&stderr=1&timestamps=1`, LINES);
      return { seconds: seconds(t0, r.at), seen: r.seen, reads: r.reads };
    },
    attach: async (id) => {
      const stream = attachCount(id, LINES);
      await stream.ready;
      const t0 = process.hrtime.bigint();
      await engine('POST', `/containers/${id}/start`);
      const r = await stream.done;
      return { seconds: seconds(t0, process.hrtime.bigint()), seen: r.seen, reads: r.reads };
    },
    'read back': async (id) => {
      await written(id);
      const t0 = process.hrtime.bigint();
      const r = await countGet(`/containers/${id}/logs?stdout=1&stderr=1&timestamps=1`, LINES);
      return { seconds: seconds(t0, r.at), seen: r.seen, reads: r.reads };
    },
  };
  await run('producer alone', `(${script}) > /dev/null`);
  await run('json-file write', script);
  await run('follow', script);
  await run('attach', script);
  await run('read back', script);
  const parts = Object.entries(results).map(([label, r]) => {
    const rate = Math.round((r.seen ?? LINES) / r.seconds);
    const extra = r.reads === undefined ? '' : `, ${r.seen} lines in ${r.reads} reads`;
    return `${label} ${r.seconds.toFixed(2)} s (${rate} lines/s${extra})`;
  });
  console.log(`${name}: ${parts.join('; ')}; load ${os.loadavg()[0].toFixed(1)}`);
  return results;
}

async function run() {
  const all = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, producer] of Object.entries(PRODUCERS))
      all.push({ name, ...(await measure(name, producer(LINES))) });
  return all.flatMap(({ name, ...results }) =>
    Object.entries(results).map(([label, r]) => ({
      key: `awslogs source, ${name}, ${label}`,
      value: `${Math.round((r.seen ?? LINES) / r.seconds)} lines/s`,
    })),
  );
}

module.exports = { run };
if (require.main === module)
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
