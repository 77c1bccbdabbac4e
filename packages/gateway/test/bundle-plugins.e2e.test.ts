import path from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { failure, testCredentials } from '@localcloud/gateway/testing';
import { ROOT, startBuiltGateway, type BuiltGateway } from './built-gateway';

const FIXTURES = path.join(__dirname, 'fixtures');

/**
 * Preloaded into the gateway: names on stderr each workspace package file Node's module loader reads
 * (`packages/<name>/dist/...`: a module evaluated from disk, a second copy beside the bundle's) but the
 * bundle's own files (`localcloud.*`), and each provider's lazy file the bundle's loader reads.
 */
const PRELOAD = `
const fs = require('node:fs');
const read = fs.readFileSync;
fs.readFileSync = function (file) {
  const name = String(file);
  if (/[\\\\/]packages[\\\\/][^\\\\/]+[\\\\/]dist[\\\\/].+\\.js$/.test(name) && !/[\\\\/]localcloud\\.[^\\\\/]+$/.test(name)) {
    process.stderr.write('package file read: ' + require('node:path').relative(${JSON.stringify(ROOT)}, name) + '\\n');
  }
  if (/localcloud\\.lazy\\./.test(name)) process.stderr.write('lazy file read: ' + require('node:path').basename(name) + '\\n');
  return read.apply(this, arguments);
};
`;

/**
 * PROVIDER_MODULES plugins (test/fixtures) under `npm start`'s built bundle and the unbundled gateway
 * (dist/main.js). A plugin is loaded by Node; its `require('@localcloud/...')` must give the gateway's own
 * instances, or the edge does not know its `ServiceError` (`instanceof` fails) and answers each modelled
 * error 500 InternalFailure. No ECS: no Docker engine needed.
 */
describe.each([
  ['the built bundle (needs `npm run build`)', 'packages/gateway/dist/localcloud.js'],
  ['the unbundled gateway', 'packages/gateway/dist/main.js'],
])('PROVIDER_MODULES plugins under %s', (_title, script) => {
  const bundled = script.endsWith('localcloud.js');
  let gateway: BuiltGateway;
  let endpoint: string;
  let ssm: SSMClient;
  const reads = (what: string) =>
    [...gateway.stderr().matchAll(new RegExp(`${what} read: (\\S+)`, 'g'))].map((m) => m[1]);

  beforeAll(async () => {
    gateway = await startBuiltGateway(path.join(ROOT, script), {
      preload: PRELOAD,
      env: {
        SERVICES: 'ssm,widgets',
        PROVIDER_MODULES: `ssm=${path.join(FIXTURES, 'ssm-plugin.js')},widgets=${path.join(FIXTURES, 'widgets-plugin.js')}`,
      },
    });
    endpoint = gateway.endpoint;
    ssm = new SSMClient({ endpoint, region: 'us-east-1', credentials: testCredentials() });
  });
  afterAll(async () => {
    ssm?.destroy();
    await gateway?.stop();
  });

  it("answers a plugin's own ServiceError with its code and status", async () => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Widgets_20261202.GetWidget' },
      body: JSON.stringify({ Name: 'none' }),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 404,
      body: { __type: 'WidgetNotFoundException', message: 'No widget named none.' },
    });
  });

  it("answers the modelled errors of a provider package the plugin requires (SSM's)", async () => {
    await ssm.send(new PutParameterCommand({ Name: '/plugin/one', Value: 'v', Type: 'String' }));
    await expect(ssm.send(new GetParameterCommand({ Name: '/plugin/one' }))).resolves.toMatchObject({
      Parameter: { Value: 'v' },
    });
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/plugin/none' })))).toMatchObject({
      name: 'ParameterNotFound',
      $metadata: { httpStatusCode: 400 },
    });
    expect(gateway.stderr()).not.toContain('unhandled error');
  });

  if (bundled) {
    it('loads no second copy of a workspace package: the bundle and its lazy file serve them', () => {
      expect(reads('package file')).toEqual([]);
      expect(reads('lazy file')).toEqual(['localcloud.lazy.ssm-provider.js']);
    });
  }
});
