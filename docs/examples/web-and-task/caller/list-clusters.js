// A one-off ECS task that calls back into localcloud. Nothing here names localcloud: the AWS SDK v3
// reads AWS_ENDPOINT_URL (which localcloud injects into every task: http://localcloud:4566 in the
// dev stack) and AWS_REGION (also injected), exactly as it would read real AWS settings.
'use strict';

const { ECSClient, ListClustersCommand } = require('@aws-sdk/client-ecs');

async function main() {
  console.log(`AWS_ENDPOINT_URL=${process.env.AWS_ENDPOINT_URL ?? '(not set: real AWS)'}`);
  const ecs = new ECSClient({});
  const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
  console.log(`${clusterArns.length} cluster(s): ${clusterArns.join(' ')}`);
  ecs.destroy();
}

main().catch((error) => {
  console.error(`call failed: ${error.name}: ${error.message}`);
  process.exit(1);
});
