import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { build, type Plugin } from 'esbuild';

const ROOT = path.join(__dirname, '../../..');

// The build script's plugin that has winston create its default logger on first use, not at load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultLoggerOnFirstUse } = require(path.join(ROOT, 'scripts/bundle.js')) as {
  defaultLoggerOnFirstUse: Plugin;
};

type Winston = typeof import('winston');

const bundle = (dir: string) =>
  build({
    stdin: { contents: "module.exports = require('winston');", resolveDir: dir, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
    plugins: [defaultLoggerOnFirstUse],
  });

describe("the bundle: winston's default logger created on first use (scripts/bundle.js)", () => {
  it('creates it on the first use, once, and it logs as before', async () => {
    const result = await bundle(ROOT);
    const module = { exports: {} as Winston };
    new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, require);
    const winston = module.exports;
    // The default logger is made by `exports.createLogger`, read when it is first used.
    const createLogger = winston.createLogger;
    const created = jest.fn((...args: Parameters<Winston['createLogger']>) => createLogger(...args));
    (winston as { createLogger: Winston['createLogger'] }).createLogger = created;
    expect(winston.level).toBe('info');
    expect(created).toHaveBeenCalledTimes(1);

    const lines: string[] = [];
    const stream = new Writable({
      objectMode: true,
      write(info: Record<symbol, string>, _encoding, callback) {
        lines.push(info[Symbol.for('message')]);
        callback();
      },
    });
    winston.add(new winston.transports.Stream({ stream }));
    winston.level = 'debug';
    winston.debug('hello', { n: 1 });
    expect(winston.level).toBe('debug');
    expect(lines).toEqual(['{"level":"debug","message":"hello","n":1}']);
    expect(created).toHaveBeenCalledTimes(1);
  });

  it('fails the build when a new winston declares or uses it otherwise', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-winston-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules/winston/lib'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules/winston/package.json'), '{"main": "lib/winston.js"}');
      fs.writeFileSync(
        path.join(dir, 'node_modules/winston/lib/winston.js'),
        'const defaultLogger = exports.createLogger();\nexports.info = (m) => defaultLogger.info(m);\n',
      );
      await expect(bundle(dir)).rejects.toThrow(/defaultLoggerOnFirstUse/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
