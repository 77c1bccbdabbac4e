// Runs one TypeScript file of this repository in a fresh Node process: `node run-ts.js <file.ts>`. Sibling
// packages resolve to their sources, as jest's moduleNameMapper does, and TypeScript is transpiled on the
// fly, so no build is needed. For measurements that jest's shared worker heap would disturb.
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
require(path.resolve(process.argv[2]));
