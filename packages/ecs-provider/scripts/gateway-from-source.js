// Runs the real gateway (packages/gateway/src/main.ts) from source, configured by the environment like
// `npm start`: `node packages/ecs-provider/scripts/gateway-from-source.js`. Used by tests and benchmarks that
// need the gateway in a process of its own (to SIGKILL it, or to measure it apart from its clients). The
// same as `node -r ./scripts/source-hook.js packages/gateway/src/main.ts`.
require('../../../scripts/source-hook');
require('../../gateway/src/main.ts');
