// The engine's own ceiling for the awslogs benchmark: the same container (the bench's producer writing N
// short lines, json-file log driver) created and started through the Engine API, and its output read by a
// bare Node client on the Engine's socket that only counts line ends in the multiplexed frames. No gateway,
// no parsing, no store: the rate at which Docker itself hands these lines over on this machine, right now,
// two ways:
//   follow: GET /containers/<id>/logs?follow=1&timestamps=1 (how the gateway read them before the attach
//           round, and still reads a log after a restart): one frame, one flushed chunk per line
//   attach: POST /containers/<id>/attach?stream=1&stdout=1&stderr=1, hijacked, opened before the start
//           (how the gateway reads them live now): the container's writes as the engine reads them
const http = require('node:http');
const net = require('node:net');

const SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

function engine(method, path, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath: SOCKET, method, path, headers: { 'content-type': 'application/json' } },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode >= 300) reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`));
          else resolve(text ? JSON.parse(text) : undefined);
        });
      },
    );
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Counts line ends in multiplexed frames; calls `done` once `lines` were seen (or at `end()`). */
function frameCounter(lines, done) {
  let seen = 0;
  let reads = 0;
  let rest = Buffer.alloc(0);
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done({ seen, reads });
    }
  };
  return {
    data(data) {
      reads++;
      const chunk = rest.length > 0 ? Buffer.concat([rest, data]) : data;
      let offset = 0;
      while (chunk.length - offset >= 8) {
        const end = offset + 8 + chunk.readUInt32BE(offset + 4);
        if (end > chunk.length) break;
        for (let i = chunk.indexOf(10, offset + 8); i >= 0 && i < end; i = chunk.indexOf(10, i + 1)) seen++;
        offset = end;
      }
      rest = chunk.subarray(offset);
      if (seen >= lines) finish();
    },
    end: finish,
  };
}

/**
 * The hijacked attach stream of container `id`: `ready` resolves once the engine answered the upgrade
 * (start the container after it), `done` with the count once `lines` were seen or the stream ended.
 */
function attachCount(id, lines) {
  const socket = net.connect(SOCKET);
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve;
    socket.on('error', reject);
  });
  const done = new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const counter = frameCounter(lines, (result) => {
      socket.destroy();
      resolve(result);
    });
    socket.on('data', (data) => {
      if (!head) return counter.data(data);
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const rest = head.subarray(end + 4);
      head = undefined;
      ready();
      if (rest.length > 0) counter.data(rest);
    });
    socket.on('close', counter.end);
  });
  socket.on('connect', () =>
    socket.write(
      `POST /containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
    ),
  );
  return { ready: readyPromise, done };
}

/** Counts the lines of a followed, multiplexed log until `lines` were seen or the stream ends. */
function followCount(id, lines) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        socketPath: SOCKET,
        method: 'GET',
        path: `/containers/${id}/logs?follow=1&stdout=1&stderr=1&timestamps=1`,
      },
      (response) => {
        let seen = 0;
        let reads = 0;
        let rest = Buffer.alloc(0);
        response.on('data', (data) => {
          reads++;
          const chunk = rest.length > 0 ? Buffer.concat([rest, data]) : data;
          let offset = 0;
          while (chunk.length - offset >= 8) {
            const end = offset + 8 + chunk.readUInt32BE(offset + 4);
            if (end > chunk.length) break;
            for (let i = chunk.indexOf(10, offset + 8); i >= 0 && i < end; i = chunk.indexOf(10, i + 1)) seen++;
            offset = end;
          }
          rest = chunk.subarray(offset);
          if (seen >= lines) {
            response.destroy();
            resolve({ seen, reads });
          }
        });
        response.on('end', () => resolve({ seen, reads }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Seconds from create to the last of `lines` lines read by the bare follower, and its socket reads. */
async function engineFollowRate(image, script, lines, labels = {}) {
  return engineRate(image, script, lines, labels, async (id) => {
    await engine('POST', `/containers/${id}/start`);
    return followCount(id, lines);
  });
}

/** The same for the bare client attached before the start. */
async function engineAttachRate(image, script, lines, labels = {}) {
  return engineRate(image, script, lines, labels, async (id) => {
    const attached = attachCount(id, lines);
    await attached.ready;
    await engine('POST', `/containers/${id}/start`);
    return attached.done;
  });
}

async function engineRate(image, script, lines, labels, read) {
  const started = process.hrtime.bigint();
  const { Id: id } = await engine('POST', '/containers/create', {
    Image: image,
    Cmd: ['sh', '-c', script],
    Labels: labels,
    HostConfig: { LogConfig: { Type: 'json-file', Config: {} } },
  });
  try {
    const { seen, reads } = await read(id);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seen, reads, seconds, linesPerSecond: Math.round(seen / seconds) };
  } finally {
    await engine('DELETE', `/containers/${id}?force=1`).catch(() => undefined);
  }
}

module.exports = { engineFollowRate, engineAttachRate, attachCount, frameCounter, engine };
