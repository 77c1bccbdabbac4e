// The floor for the per-request cost: a bare Node `http` server answering every request with the bytes
// (status, headers, body) given as JSON in BENCH_FLOOR_RESPONSE, after reading the request body. Run as a
// child process by bench-control-plane.js beside the gateway, with the same clients.
const http = require('node:http');

const { status, headers, body } = JSON.parse(process.env.BENCH_FLOOR_RESPONSE);
const payload = Buffer.from(body, 'utf8');
const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(status, { ...headers, 'content-length': payload.length });
    res.end(payload);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.BENCH_FLOOR_PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
