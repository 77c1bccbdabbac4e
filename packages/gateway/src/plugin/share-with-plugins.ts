import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

/** A module of the running file (the bundle), by its file relative to the project's root: its exports. */
export type SharedModules = Readonly<Record<string, () => unknown>>;

/**
 * Makes the bundle's instances of the workspace packages' modules what Node's `require` gives for their
 * files: a plugin named by PROVIDER_MODULES is loaded by Node, and its `require('@localcloud/gateway')`
 * resolves to packages/gateway/dist/index.js on disk. Unbundled (dist/main.js) that file is the module the
 * gateway runs; in the bundle it would be a second copy, whose `ServiceError` the edge does not know
 * (`instanceof` fails: every modelled error a 500 InternalFailure). Each file is entered in Node's module
 * cache (`require.cache`, keyed by the resolved real path) as already loaded, with the bundle's instance as
 * its exports, evaluated on the first `require` of it (a provider in a lazy file is read only then). So a
 * plugin shares exactly what it would share unbundled: the files it resolves to the project's own; a copy
 * of a package installed elsewhere stays its own, as it would be. A file Node has loaded already is left.
 * Called by the bundle before the first plugin is loaded, never at boot.
 */
export function shareWithPlugins(root: string, modules: SharedModules): void {
  // Node keys its cache by real paths (symlinks resolved, as node_modules/@localcloud/* are).
  const real = fs.realpathSync(root);
  for (const [key, load] of Object.entries(modules)) {
    const filename = path.join(real, key);
    if (require.cache[filename] !== undefined) continue;
    const module = new Module(filename);
    module.filename = filename;
    module.loaded = true;
    let exports: { value: unknown } | undefined;
    Object.defineProperty(module, 'exports', {
      configurable: true,
      enumerable: true,
      get: () => (exports ??= { value: load() }).value,
      set: (value: unknown) => (exports = { value }),
    });
    require.cache[filename] = module;
  }
}
