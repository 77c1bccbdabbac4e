// What the container benchmarks share: an in-process gateway from the built dist with its own container
// prefix, an ECS client on it, and a Docker client for the direct Engine API comparison.
const { randomBytes } = require('node:crypto');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { createGateway, loadConfig, createLogger } = require(path.join(root, 'packages/gateway/dist'));
const { DockerodeBackend } = require(path.join(root, 'packages/docker-backend/dist'));
const { ECSClient } = require('@aws-sdk/client-ecs');

const IMAGE = 'localcloud-test/busybox:latest';

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

/** Starts a gateway serving `services`; `close()` stops it and removes every container it or the caller labelled. */
async function startBenchGateway(services = 'ecs', extraEnv = {}) {
  const prefix = `lcbench${randomBytes(3).toString('hex')}`;
  const env = { GATEWAY_LISTEN: '127.0.0.1:0', SERVICES: services, ECS_CONTAINER_PREFIX: prefix, ...extraEnv };
  const gateway = await createGateway({
    config: loadConfig(env),
    logger: createLogger('error'),
    env: { ...process.env, ...env },
  });
  const info = await gateway.listen();
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const ecs = new ECSClient({ endpoint: info.url, region: 'us-east-1', credentials });
  const docker = new DockerodeBackend();
  return {
    prefix,
    url: info.url,
    credentials,
    ecs,
    docker,
    /** Labels for containers the benchmark starts itself, so `close()` finds them. */
    directLabels: { 'localcloud.bench': prefix },
    async close() {
      ecs.destroy();
      await gateway.close();
      const leftovers = await docker.listContainers({ all: true, labels: { 'localcloud.bench': prefix } });
      await Promise.all(leftovers.map((c) => docker.removeContainer(c.id, { force: true })));
      await docker.close();
    },
  };
}

module.exports = { IMAGE, seconds, startBenchGateway };
