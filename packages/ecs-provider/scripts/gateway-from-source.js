// Runs the real gateway (packages/gateway/src/main.ts) from source, configured by the environment like
// `npm start`: `node packages/ecs-provider/scripts/gateway-from-source.js`. Used by tests and benchmarks that
// need the gateway in a process of its own (to SIGKILL it, or to measure it apart from its clients).
// Sibling packages resolve to their sources, as jest's moduleNameMapper does, and TypeScript is transpiled
// on the fly, so no build is needed.
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const match = /^@localcloud\/([^/]+)(\/testing)?$/.exec(request);
  const mapped = match ? path.join(root, 'packages', match[1], 'src', match[2] ? 'testing' : '') : request;
  return resolve.call(this, mapped, ...rest);
};
require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.test.json') });
require(path.join(root, 'packages/gateway/src/main.ts'));
