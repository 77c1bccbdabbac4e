import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { bundleText, evaluateBundle } from './bundle-in-test';

const ROOT = path.join(__dirname, '../../..');

// The build script's plugin that leaves @colors/colors unevaluated until logform's colorize first reads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { assignedThenUsed } = require(path.join(ROOT, 'scripts/bundle.js')) as { assignedThenUsed: Plugin };

/** Bundles `entry` (CommonJS source resolved from `dir`), with the plugin or without, and evaluates it. */
async function bundleAndRun(entry: string, dir: string, plugins: Plugin[]): Promise<Record<string, unknown>> {
  return evaluateBundle(await bundleText(entry, dir, plugins));
}

const LEVEL = Symbol.for('level');

type Colorize = (opts?: object) => { transform(info: object, opts?: object): Record<string | symbol, unknown> };

describe("the bundle: a module assigned to at load, evaluated on first read (scripts/bundle.js's assignedThenUsed)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-assigned-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete (globalThis as { colorsEvaluations?: number }).colorsEvaluations;
  });

  it('evaluates the module on the first read, once, after making the assignments made before it', async () => {
    // Stand-ins for logform's colorize and @colors/colors, where the plugin looks for them.
    fs.mkdirSync(path.join(dir, 'node_modules/logform'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'node_modules/@colors/colors'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'node_modules/logform/colorize.js'),
      [
        "const colors = require('@colors/colors/safe');",
        'colors.enabled = true;',
        'module.exports = (text) => colors.red(text);',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'node_modules/@colors/colors/safe.js'),
      [
        'globalThis.colorsEvaluations = (globalThis.colorsEvaluations ?? 0) + 1;',
        'const colors = { enabled: false };',
        "colors.red = (text) => (colors.enabled ? '<red>' + text + '</red>' : text);",
        'module.exports = colors;',
      ].join('\n'),
    );
    const evaluations = () => (globalThis as { colorsEvaluations?: number }).colorsEvaluations ?? 0;
    const { red } = await bundleAndRun("exports.red = require('logform/colorize');", dir, [assignedThenUsed]);
    expect(evaluations()).toBe(0);
    expect((red as (text: string) => string)('warn')).toBe('<red>warn</red>');
    expect((red as (text: string) => string)('again')).toBe('<red>again</red>');
    expect(evaluations()).toBe(1);
  });

  it("colours as logform's own colorize does, with colours on where stdout is no terminal", async () => {
    const entry = "exports.colorize = require('logform').format.colorize;";
    const bundled = (await bundleAndRun(entry, ROOT, [assignedThenUsed])).colorize as Colorize;
    const own = (await bundleAndRun(entry, ROOT, [])).colorize as Colorize;
    const info = () => ({ level: 'warn', [LEVEL]: 'warn', message: 'disk full' });
    const options = { all: true };
    const colors = { colors: { warn: 'yellow', error: 'red bold' } };
    const coloured = bundled(colors).transform(info(), options);
    expect(coloured).toEqual(own(colors).transform(info(), options));
    expect(coloured.level).toBe('\u001b[33mwarn\u001b[39m');
    expect(coloured.message).toBe('\u001b[33mdisk full\u001b[39m');
  });
});
