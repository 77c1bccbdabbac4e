// Lets plain Node run this repository's TypeScript from source: `node -r ./scripts/source-hook.js file.ts`.
// Sibling packages (`@localcloud/<pkg>`, `@localcloud/<pkg>/testing`) resolve to their sources, as jest's
// moduleNameMapper does, and TypeScript is transpiled on the fly, so no build is needed. For code that must
// run in a process of its own: a gateway to SIGKILL, a heap measurement jest's shared worker would disturb.
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const match = /^@localcloud\/([^/]+)(\/testing)?$/.exec(request);
  const mapped = match ? path.join(root, 'packages', match[1], 'src', match[2] ? 'testing' : '') : request;
  return resolve.call(this, mapped, ...rest);
};
require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.test.json') });
