import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { failure, testCredentials } from '@localcloud/gateway/testing';

const ROOT = path.join(__dirname, '../../..');
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

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

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
  let dir: string;
  let child: ChildProcess;
  let stderr = '';
  let endpoint: string;
  let ssm: SSMClient;
  const reads = (what: string) => [...stderr.matchAll(new RegExp(`${what} read: (\\S+)`, 'g'))].map((m) => m[1]);

  beforeAll(async () => {
    const file = path.join(ROOT, script);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-plugins-'));
    fs.writeFileSync(path.join(dir, 'preload.js'), PRELOAD);
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    ssm = new SSMClient({ endpoint, region: 'us-east-1', credentials: testCredentials() });
    child = spawn(process.execPath, ['-r', path.join(dir, 'preload.js'), file], {
      env: {
        ...process.env,
        GATEWAY_LISTEN: `127.0.0.1:${port}`,
        LOG_LEVEL: 'error',
        SERVICES: 'ssm,widgets',
        PROVIDER_MODULES: `ssm=${path.join(FIXTURES, 'ssm-plugin.js')},widgets=${path.join(FIXTURES, 'widgets-plugin.js')}`,
        DATA_DIR: path.join(dir, 'data'),
        PERSISTENCE: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    for (let i = 0; ; i++) {
      const answered = await fetch(`${endpoint}/_localcloud/health`).then(
        (res) => res.ok,
        () => false,
      );
      if (answered) break;
      if (i > 300 || child.exitCode !== null) throw new Error(`the gateway did not answer:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    ssm?.destroy();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
    expect(stderr).not.toContain('unhandled error');
  });

  if (bundled) {
    it('loads no second copy of a workspace package: the bundle and its lazy file serve them', () => {
      expect(reads('package file')).toEqual([]);
      expect(reads('lazy file')).toEqual(['localcloud.lazy.ssm-provider.js']);
    });
  }
});
