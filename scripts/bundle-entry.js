// The entry of the bundle `npm run build` writes to packages/gateway/dist/localcloud.js (scripts/bundle.js):
// the gateway's `main` with the bundled providers inside the same file. Each provider module is evaluated
// only when SERVICES enables it; a module named by PROVIDER_MODULES is still loaded with Node's `require`.
const { runGateway } = require('@localcloud/gateway/dist/cli');

runGateway({
  '@localcloud/ecs-provider': () => require('@localcloud/ecs-provider'),
  '@localcloud/logs-provider': () => require('@localcloud/logs-provider'),
});
