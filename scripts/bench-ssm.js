#!/usr/bin/env node
// SSM Parameter Store benchmark: requests per second and p50/p99 latency of PutParameter, GetParameter
// (a String, and a SecureString WithDecryption, the call ECS makes per task secret) and GetParametersByPath
// at 16 concurrent clients, with state in memory and with PERSISTENCE=1 (journal on disk, fdatasync per change).
//
//   npm run bench -- ssm
//   BENCH_SCALE=0.2 node scripts/bench-ssm.js   # fewer requests (a quick look)
//
// The harness (gateway process, JSON client, bounded phases, both modes) is scripts/bench-json-service.js.
const { SCALE, phase, benchJsonService } = require('./bench-json-service');

async function phases(ssm) {
  const names = 200;
  // Every name is written before the reads ask for it, however small BENCH_SCALE is.
  const puts = Math.max(names, Math.round(2000 * SCALE));
  const results = [];
  // Warm-up, not measured: the first call of an operation compiles its validator, and the JIT warms up.
  for (let i = 0; i < 200; i += 1) {
    await ssm.call('PutParameter', { Name: '/warm/up', Value: `v${i}`, Type: 'SecureString', Overwrite: true });
    await ssm.call('GetParameter', { Name: '/warm/up', WithDecryption: true });
    await ssm.call('GetParametersByPath', { Path: '/warm' });
  }
  results.push(
    await phase('PutParameter (new version)', puts, (n) =>
      ssm.call('PutParameter', {
        Name: `/bench/app${n % 10}/param${n % names}`,
        Value: `value-${n}`,
        Type: n % 2 ? 'SecureString' : 'String',
        Overwrite: true,
      }),
    ),
  );
  results.push(
    await phase('GetParameter String', Math.round(10000 * SCALE), (n) =>
      ssm.call('GetParameter', { Name: `/bench/app${(2 * n) % 10}/param${(2 * n) % names}` }),
    ),
  );
  results.push(
    await phase('GetParameter SecureString WithDecryption', Math.round(10000 * SCALE), (n) =>
      ssm.call('GetParameter', {
        Name: `/bench/app${(2 * n + 1) % 10}/param${(2 * n + 1) % names}`,
        WithDecryption: true,
      }),
    ),
  );
  results.push(
    await phase('GetParametersByPath (20 per path, pages of 10)', Math.round(2000 * SCALE), (n) =>
      ssm.call('GetParametersByPath', { Path: `/bench/app${n % 10}`, MaxResults: 10 }),
    ),
  );
  return results;
}

const run = () =>
  benchJsonService(
    { title: 'SSM Parameter Store', services: 'ssm', targetPrefix: 'AmazonSSM', signingName: 'ssm' },
    phases,
  );

module.exports = { run };
if (require.main === module) {
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
