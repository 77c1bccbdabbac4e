// What the control-plane benchmarks (control-plane, growth, json-service) share: a keep-alive AWS JSON 1.1
// client with SigV4-shaped headers (the gateway does not check signatures), and stopping a child gateway.
const http = require('node:http');
const { Buffer } = require('node:buffer');

/** The ECS service's JSON target and signing name. */
const ECS = { targetPrefix: 'AmazonEC2ContainerServiceV20141113', signingName: 'ecs' };

/**
 * An AWS JSON 1.1 client for one service on 127.0.0.1:`port`, at most `concurrency` sockets.
 * `callRaw(operation, input)` resolves { status, headers, text, json() } (nothing parsed: the client's
 * own cost stays out of the measurement); `call` resolves the parsed answer. Both reject on anything
 * but 200.
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
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) reject(new Error(`${operation} answered ${response.statusCode}: ${text}`));
            else
              resolve({ status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) });
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

/** Stops a child process (a gateway or the floor) with SIGTERM; resolves once it has exited. */
function stopChild({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

module.exports = { ECS, jsonClient, stopChild };
