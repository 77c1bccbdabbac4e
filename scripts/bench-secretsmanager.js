// Secrets Manager benchmark: requests per second and p50/p99 latency of GetSecretValue (by name, and by
// ARN with a VersionStage) at 16 concurrent clients, and of PutSecretValue and CreateSecret (each a durable
// write with PERSISTENCE=1), with state in memory and persistent.
//
//   npm run bench -- secretsmanager
//   BENCH_SCALE=0.2 node scripts/bench-secretsmanager.js   # fewer requests (after `npm run build`)
//
// The harness (gateway process, JSON client, bounded phases, both modes) is scripts/bench-json-service.js.
const { SCALE, phase, benchJsonService } = require('./bench-json-service');

async function phases(sm) {
  const secrets = 100;
  const value = JSON.stringify({ username: 'app', password: 'x'.repeat(64), host: 'db.internal', port: 5432 });
  const results = [];
  const arns = [];
  for (let i = 0; i < secrets; i++) {
    arns.push((await sm.call('CreateSecret', { Name: `bench/app-${i}`, SecretString: value })).ARN);
    await sm.call('PutSecretValue', { SecretId: `bench/app-${i}`, SecretString: `${value} v2` });
  }
  // Warm-up, not measured: the JIT, and the first call's validator set-up.
  for (let i = 0; i < 300; i++) await sm.call('GetSecretValue', { SecretId: `bench/app-${i % secrets}` });
  results.push(
    await phase('GetSecretValue (name)', Math.round(20_000 * SCALE), (n) =>
      sm.call('GetSecretValue', { SecretId: `bench/app-${n % secrets}` }),
    ),
  );
  results.push(
    await phase('GetSecretValue (ARN, AWSPREVIOUS)', Math.round(20_000 * SCALE), (n) =>
      sm.call('GetSecretValue', { SecretId: arns[n % secrets], VersionStage: 'AWSPREVIOUS' }),
    ),
  );
  results.push(
    await phase('PutSecretValue', Math.round(3000 * SCALE), (n) =>
      sm.call('PutSecretValue', { SecretId: `bench/app-${n % secrets}`, SecretString: `${value} ${n}` }),
    ),
  );
  results.push(
    await phase('CreateSecret', Math.round(3000 * SCALE), (n) =>
      sm.call('CreateSecret', { Name: `bench/new-${n}`, SecretString: value }),
    ),
  );
  return results;
}

const run = () =>
  benchJsonService(
    {
      title: 'Secrets Manager',
      services: 'secretsmanager',
      targetPrefix: 'secretsmanager',
      signingName: 'secretsmanager',
    },
    phases,
  );

module.exports = { run };
if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
