import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { bundleText } from './bundle-in-test';

const ROOT = path.join(__dirname, '../../..');

// The build script's plugin that has depd find its caller's file without the line and column.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { depdCallerFileOnly } = require(path.join(ROOT, 'scripts/bundle.js')) as { depdCallerFileOnly: Plugin };

const bundle = (dir: string, plugins: Plugin[]) =>
  bundleText("module.exports = require('depd')('probe');", dir, plugins);

/** Evaluates a bundle's text from a file of its own, as the loader does: returns the deprecate function. */
function run(text: string, file: string): { _file: string } {
  fs.writeFileSync(file, text);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as { _file: string };
}

describe("the bundle: depd's caller file found without line and column (scripts/bundle.js)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-depd-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names the same file as depd's own look-up: the file that called depd()", async () => {
    const patched = await bundle(ROOT, [depdCallerFileOnly]);
    expect(patched).not.toContain('var file = site[0]');
    const own = await bundle(ROOT, []);
    const file = path.join(dir, 'patched.js');
    expect(run(patched, file)._file).toBe(file);
    expect(run(own, path.join(dir, 'own.js'))._file).toBe(path.join(dir, 'own.js'));
  });

  it('fails the build when a new depd no longer has those lines', async () => {
    fs.mkdirSync(path.join(dir, 'node_modules/depd'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'node_modules/depd/index.js'),
      'module.exports = (namespace) => { const site = findSite(); return () => site; };',
    );
    await expect(bundle(dir, [depdCallerFileOnly])).rejects.toThrow(/depdCallerFileOnly/);
  });
});
