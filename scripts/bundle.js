// Build step (`npm run build`, after `tsc -b`): bundles the gateway and the bundled providers from their
// compiled dist into one file, packages/gateway/dist/localcloud.js, which `npm start` and the container
// image run. One file instead of a few thousand modules: start-up was mostly module resolution and
// loading (docs/benchmarks.md). What cannot be bundled stays a real `require` from that file's folder:
// the file-lock addon (a native prebuild found next to its package) and ssh2's optional native parts.
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');

/**
 * Modules that export one function the gateway calls only on rare paths, but that their importers
 * `require` at load: docker-modem's ssh transport (ssh2, for DOCKER_HOST=ssh://) and dockerode's build
 * session (gRPC and protobuf, for BuildKit builds, which localcloud never starts). In the bundle each
 * becomes a function that evaluates the real module on its first call, so start-up does not pay for them.
 */
const CALLED_LATER = [
  { importer: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/, request: './ssh' },
  { importer: /[\\/]dockerode[\\/]lib[\\/]docker\.js$/, request: './session' },
];

const loadOnFirstCall = {
  name: 'load-on-first-call',
  setup(build) {
    build.onResolve({ filter: /^\.\/(ssh|session)$/ }, (args) => {
      if (args.pluginData?.real) return undefined;
      if (!CALLED_LATER.some((m) => m.request === args.path && m.importer.test(args.importer))) return undefined;
      return { path: require.resolve(args.path, { paths: [args.resolveDir] }), namespace: 'load-on-first-call' };
    });
    build.onLoad({ filter: /.*/, namespace: 'load-on-first-call' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};
const OUTFILE = path.join(ROOT, 'packages/gateway/dist/localcloud.js');

async function main() {
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, 'bundle-entry.js')],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Native addons and what loads them by path at run time.
    external: ['fs-native-extensions', 'cpu-features', '*.node'],
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [loadOnFirstCall],
    // Less text to parse at every start; names are kept, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    // PROVIDER_MODULES names modules by string; that dynamic require is meant to stay Node's.
    logOverride: { 'unsupported-require-call': 'silent' },
    metafile: process.env.BUNDLE_METAFILE !== undefined,
  });
  if (result.metafile) {
    require('node:fs').writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(result.metafile));
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
