import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { build, type Plugin } from 'esbuild';

const ROOT = path.join(__dirname, '../../..');

// The build script's plugin that keeps docker-modem from formatting every request for a debug log that is off.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { formatOnlyWhenDebugging } = require(path.join(ROOT, 'scripts/bundle.js')) as {
  formatOnlyWhenDebugging: Plugin;
};

type Modem = new (options: { socketPath: string }) => {
  dial(options: object, callback: (error: unknown, data: unknown) => void): void;
};

describe('the bundle: docker-modem formats requests for its debug log only when it is on (scripts/bundle.js)', () => {
  let dir: string;
  let engine: http.Server;
  let Bundled: (debug: string | undefined) => Modem;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-debug-format-'));
    engine = http.createServer((_req, res) => res.end('OK'));
    await new Promise<void>((resolve) => engine.listen(path.join(dir, 'engine.sock'), resolve));
    const result = await build({
      stdin: { contents: "module.exports = require('docker-modem');", resolveDir: ROOT, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
      external: ['ssh2', 'cpu-features', '*.node'],
      plugins: [formatOnlyWhenDebugging],
    });
    // The debug module reads DEBUG when it is evaluated: one evaluation per setting.
    Bundled = (debug) => {
      const saved = process.env.DEBUG;
      if (debug === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = debug;
      try {
        const module = { exports: {} as unknown };
        new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, require);
        return module.exports as Modem;
      } finally {
        if (saved === undefined) delete process.env.DEBUG;
        else process.env.DEBUG = saved;
      }
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => engine.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => jest.restoreAllMocks());

  const ping = (Modem: Modem) =>
    new Promise((resolve, reject) =>
      new Modem({ socketPath: path.join(dir, 'engine.sock') }).dial(
        { path: '/_ping', method: 'GET', statusCodes: { 200: true } },
        (error, data) => (error ? reject(error as Error) : resolve(data)),
      ),
    );

  it('sends without formatting its options when the log is off', async () => {
    const inspect = jest.spyOn(util, 'inspect');
    await expect(ping(Bundled(undefined))).resolves.toBeDefined();
    expect(inspect).not.toHaveBeenCalled();
  });

  it.each([
    ['no longer makes the call', 0],
    ['makes it twice (the patch would miss the second)', 2],
  ])('fails the build when docker-modem %s', async (_case, calls) => {
    const modem = path.join(dir, 'node_modules/docker-modem/lib/modem.js');
    fs.mkdirSync(path.dirname(modem), { recursive: true });
    const call = "debug('Sending: %s', util.inspect(options));\n";
    fs.writeFileSync(modem, `const util = require('util'); const debug = () => {};\n${call.repeat(calls)}`);
    await expect(
      build({
        entryPoints: [modem],
        bundle: true,
        platform: 'node',
        write: false,
        logLevel: 'silent',
        plugins: [formatOnlyWhenDebugging],
      }),
    ).rejects.toThrow(`has debug('Sending: %s', util.inspect( ${calls} times, not once`);
  });

  it('formats them when DEBUG turns its log on', async () => {
    const inspect = jest.spyOn(util, 'inspect');
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(ping(Bundled('modem'))).resolves.toBeDefined();
    expect(inspect).toHaveBeenCalledWith(expect.objectContaining({ path: '/_ping' }), expect.anything());
  });
});
