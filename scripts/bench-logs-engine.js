// The engine's own ceiling for the awslogs benchmark: the same container (busybox `sh` writing N short
// lines, json-file log driver) created and started through the Engine API, and its log followed
// (`GET /containers/<id>/logs?follow=1&timestamps=1`, as the gateway reads it) by a bare Node client on the
// Engine's socket that only counts line ends in the multiplexed frames. No gateway, no parsing, no store:
// the rate at which Docker itself hands a follower these lines on this machine, right now.
const http = require('node:http');

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
  const started = process.hrtime.bigint();
  const { Id: id } = await engine('POST', '/containers/create', {
    Image: image,
    Cmd: ['sh', '-c', script],
    Labels: labels,
    HostConfig: { LogConfig: { Type: 'json-file', Config: {} } },
  });
  try {
    await engine('POST', `/containers/${id}/start`);
    const { seen, reads } = await followCount(id, lines);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seen, reads, seconds, linesPerSecond: Math.round(seen / seconds) };
  } finally {
    await engine('DELETE', `/containers/${id}?force=1`).catch(() => undefined);
  }
}

module.exports = { engineFollowRate };
