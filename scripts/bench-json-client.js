// What the request benchmarks (control-plane, growth, json-service, logs) share: a keep-alive AWS JSON 1.1
// client with SigV4-shaped headers (the gateway does not check signatures), the closed-loop load of one
// phase, a process's CPU time, and stopping a child gateway.
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { Buffer } = require('node:buffer');
const { performance } = require('node:perf_hooks');

/** The ECS service's JSON target and signing name. */
const ECS = { targetPrefix: 'AmazonEC2ContainerServiceV20141113', signingName: 'ecs' };

/**
 * An AWS JSON 1.1 client for one service on 127.0.0.1:`port`, at most `concurrency` sockets.
 * `callRaw(operation, input)` resolves { status, headers, text, json() } (nothing parsed or decoded
 * until asked for: the client's own cost stays out of the measurement); `call` resolves the parsed
 * answer. Both reject on anything but 200.
 */
function jsonClient(port, { targetPrefix, signingName }, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const callRaw = (operation, input) => {
    const body = JSON.stringify(input);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'content-length': Buffer.byteLength(body),
            'x-amz-target': `${targetPrefix}.${operation}`,
            authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${signingName}/aws4_request, SignedHeaders=host, Signature=0`,
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (c) => chunks.push(c));
          response.on('end', () => {
            // The text only when asked for: joining and decoding a large answer (DescribeTasks of 100
            // tasks is ~140 KB) is client work that would otherwise share the machine with the gateway.
            let text;
            const textOf = () => (text ??= Buffer.concat(chunks).toString('utf8'));
            if (response.statusCode !== 200)
              reject(new Error(`${operation} answered ${response.statusCode}: ${textOf()}`));
            else
              resolve({
                status: response.statusCode,
                headers: response.headers,
                get text() {
                  return textOf();
                },
                json: () => JSON.parse(textOf()),
              });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
  return {
    callRaw,
    call: async (operation, input) => (await callRaw(operation, input)).json(),
    close: () => agent.destroy(),
  };
}

/**
 * The same calls as `jsonClient` (the same requests and headers, in another order and case, and the same
 * answers), written and read on `concurrency` keep-alive sockets without Node's HTTP client: a load generator
 * in the manner of wrk. Node's client took ~100–280 µs of CPU per request, as much as the server measured, on
 * the cores the server shares; this one takes about half. It needs answers with a Content-Length (every
 * answer of the gateway and the floor has one) and rejects any other. No call times out: the bench's phases
 * are bounded by their callers.
 */
function socketJsonClient(port, { targetPrefix, signingName }, concurrency) {
  const idle = [];
  const waiters = [];
  const sockets = new Set();
  const head = (operation, length) =>
    `POST / HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/x-amz-json-1.1\r\n` +
    `content-length: ${length}\r\nx-amz-target: ${targetPrefix}.${operation}\r\n` +
    `authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${signingName}/aws4_request, SignedHeaders=host, Signature=0\r\n` +
    'connection: keep-alive\r\n\r\n';
  const release = (socket) => {
    const waiter = waiters.shift();
    if (waiter) waiter(socket);
    else idle.push(socket);
  };
  const fail = (socket, error) => {
    const call = socket.call;
    socket.call = undefined;
    if (call) call.reject(error);
  };
  const connect = () => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.add(socket);
    socket.setNoDelay(true);
    // The answer's chunks so far, joined once it is whole (a DescribeTasks of 100 tasks is ~140 KB).
    socket.chunks = [];
    socket.received = 0;
    socket.on('data', (chunk) => {
      socket.chunks.push(chunk);
      socket.received += chunk.length;
      readAnswer(socket);
    });
    socket.on('error', (error) => fail(socket, error));
    socket.on('close', () => {
      sockets.delete(socket);
      const at = idle.indexOf(socket);
      if (at >= 0) idle.splice(at, 1);
      fail(socket, new Error('the server closed the connection'));
      // A caller waiting for a socket gets a new one in place of this.
      if (waiters.length > 0) waiters.shift()(connect());
    });
    return socket;
  };
  const readAnswer = (socket) => {
    if (!socket.call) return;
    if (socket.expected === undefined) {
      const first = socket.chunks.length === 1 ? socket.chunks[0] : Buffer.concat(socket.chunks);
      socket.chunks = [first];
      const end = first.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.headText = first.toString('latin1', 0, end);
      const length = /\r\ncontent-length: *(\d+)/i.exec(socket.headText);
      // Where an answer without a length ends is unknown (and bytes before a status line are no answer), so
      // the connection cannot carry another: closed, not reused.
      const refused = !socket.headText.startsWith('HTTP/1.1 ')
        ? `bytes that are not an HTTP/1.1 answer: ${socket.headText.slice(0, 100)}`
        : !length && `an answer without Content-Length: ${socket.headText}`;
      if (refused) {
        socket.destroy();
        return fail(socket, new Error(refused));
      }
      socket.bodyStart = end + 4;
      socket.expected = end + 4 + Number(length[1]);
    }
    if (socket.received < socket.expected) return;
    // One request is in flight per socket, so nothing follows the answer.
    const bytes = socket.chunks.length === 1 ? socket.chunks[0] : Buffer.concat(socket.chunks);
    const body = bytes.subarray(socket.bodyStart, socket.expected);
    const headText = socket.headText;
    socket.chunks = [];
    socket.received = 0;
    socket.expected = undefined;
    const { resolve, reject, operation } = socket.call;
    socket.call = undefined;
    // A server that closes the connection after this answer said so: not reused.
    if (/\r\nconnection: *close/i.test(headText)) socket.end();
    else release(socket);
    const status = Number(headText.slice(9, 12));
    let text;
    const textOf = () => (text ??= body.toString('utf8'));
    if (status !== 200) return reject(new Error(`${operation} answered ${status}: ${textOf()}`));
    resolve({
      status,
      get headers() {
        const headers = {};
        for (const line of headText.split('\r\n').slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        return headers;
      },
      get text() {
        return textOf();
      },
      json: () => JSON.parse(textOf()),
    });
  };
  const acquire = () =>
    idle.length > 0
      ? Promise.resolve(idle.pop())
      : sockets.size < concurrency
        ? Promise.resolve(connect())
        : new Promise((resolve) => waiters.push(resolve));
  const callRaw = async (operation, input) => {
    const body = JSON.stringify(input);
    const socket = await acquire();
    return new Promise((resolve, reject) => {
      socket.call = { resolve, reject, operation };
      // One write: head and body in one segment, as Node's client sends a small request.
      socket.write(head(operation, Buffer.byteLength(body)) + body);
    });
  };
  return {
    callRaw,
    call: async (operation, input) => (await callRaw(operation, input)).json(),
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** The load generator of the control-plane bench and the traces: BENCH_CLIENT=node | socket (the default). */
const BENCH_CLIENT = process.env.BENCH_CLIENT ?? 'socket';
if (!['node', 'socket'].includes(BENCH_CLIENT)) throw new Error(`BENCH_CLIENT is node or socket, not ${BENCH_CLIENT}`);

/** A client of BENCH_CLIENT's kind (`jsonClient` or `socketJsonClient`). */
function benchClient(port, service, concurrency) {
  return (BENCH_CLIENT === 'node' ? jsonClient : socketJsonClient)(port, service, concurrency);
}

/** Stops a child process (a gateway or the floor) with SIGTERM; resolves once it has exited. */
function stopChild({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/**
 * Runs `total` calls `makeCall(n)` from `concurrency` workers, each starting its next call when its last
 * ends, for at most `timeLimitMs`: { requests, rps, p50, p99 } (latencies in ms).
 */
async function closedLoop(total, concurrency, timeLimitMs, makeCall) {
  const latencies = [];
  let issued = 0;
  const started = performance.now();
  const deadline = started + timeLimitMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
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
  return { requests: latencies.length, rps: Math.round(latencies.length / seconds), p50: pct(50), p99: pct(99) };
}

/**
 * CPU seconds process `pid` has used so far: the sum of its threads' time on a CPU, counted in nanoseconds
 * (Linux's /proc/<pid>/task/<tid>/schedstat). The process's user + system time in /proc/<pid>/stat counts
 * 10 ms ticks, too coarse for a phase of ~100 ms of CPU: one tick moved a growth-bench ratio by 10–17%. A
 * running thread's figure lags by up to a scheduler tick (4 ms at HZ=250), a sleeping one's is exact:
 * `cpuSecondsSettled` reads it once the process has had a moment to go idle. A thread that has ended takes
 * its time with it, which no gateway or floor thread does (Node's threads live as long as the process);
 * `ticksCpuSeconds` counts those too. NaN where there is no /proc.
 */
function cpuSeconds(pid) {
  try {
    let seconds = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      // NaN for a thread that ended meanwhile: not counted.
      seconds += threadCpuSeconds(pid, tid) || 0;
    }
    return seconds > 0 ? seconds : ticksCpuSeconds(pid);
  } catch {
    return ticksCpuSeconds(pid);
  }
}

/** CPU seconds of one thread of process `pid` (its main thread: tid = pid), from its schedstat; NaN without one. */
function threadCpuSeconds(pid, tid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

/** `cpuSeconds` 20 ms from now: after a phase's last answer, the threads still running have come off a CPU. */
async function cpuSecondsSettled(pid) {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return cpuSeconds(pid);
}

/** User + system CPU seconds of process `pid` so far, in 10 ms ticks, its ended threads' included (NaN without /proc). */
function ticksCpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The two-container task definition every control-plane bench and trace registers. */
const BENCH_CONTAINER_DEFINITIONS = [
  {
    name: 'web',
    image: 'nginx:1.27',
    memory: 256,
    portMappings: [{ containerPort: 80 }],
    environment: [{ name: 'MODE', value: 'bench' }],
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/bench' } },
  },
  { name: 'sidecar', image: 'busybox', memory: 32, essential: false, command: ['sleep', '3600'] },
];

/** A free loopback port (taken and released). */
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

module.exports = {
  ECS,
  jsonClient,
  socketJsonClient,
  benchClient,
  BENCH_CLIENT,
  closedLoop,
  cpuSeconds,
  cpuSecondsSettled,
  threadCpuSeconds,
  ticksCpuSeconds,
  stopChild,
  freePort,
  BENCH_CONTAINER_DEFINITIONS,
};
