// Build step (`npm run build`, after `tsc -b`): bundles the gateway and the bundled providers from their
// compiled dist into one file, packages/gateway/dist/localcloud.js, which `npm start` and the container
// image run. One file instead of a few thousand modules: start-up was mostly module resolution and
// loading (docs/benchmarks.md). What cannot be bundled stays a real `require` from that file's folder:
// the file-lock addon (a native prebuild found next to its package) and ssh2's optional native parts.
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const OUTFILE = path.join(ROOT, 'packages/gateway/dist/localcloud.js');

/**
 * Modules that export one function the gateway calls only on rare paths, but that their importers
 * `require` at load: docker-modem's ssh transport (ssh2, for DOCKER_HOST=ssh://) and dockerode's build
 * session (gRPC and protobuf, for BuildKit builds, which localcloud never starts). They stay out of the
 * bundle (1.4 MB less to parse at every start): each becomes a function that loads the real module from
 * node_modules, by package path, on its first call. They are production dependencies, so the image has them.
 */
const CALLED_LATER = [
  {
    importer: /[\\/]node_modules[\\/]docker-modem[\\/]lib[\\/]modem\.js$/,
    request: './ssh',
    module: 'docker-modem/lib/ssh',
  },
  {
    importer: /[\\/]node_modules[\\/]dockerode[\\/]lib[\\/]docker\.js$/,
    request: './session',
    module: 'dockerode/lib/session',
  },
];

const loadOnFirstCall = {
  name: 'load-on-first-call',
  setup(build) {
    build.onResolve({ filter: /^\.\/(ssh|session)$/ }, (args) => {
      const entry = CALLED_LATER.find((m) => m.request === args.path && m.importer.test(args.importer));
      return entry ? { path: entry.module, namespace: 'load-on-first-call' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'load-on-first-call' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      loader: 'js',
    }));
    // The stub's require stays Node's.
    build.onResolve({ filter: /^(docker-modem\/lib\/ssh|dockerode\/lib\/session)$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/**
 * npm installs four identical copies of mime-types 3.0.2 and mime-db 1.54.0 (under express, send,
 * type-is and accepts, as the root holds older ones); each copy builds its MIME tables at load. In the
 * bundle, copies of the same name and version become one.
 */
const DEDUPED = /^mime-(types|db)$/;

const dedupeCopies = {
  name: 'dedupe-identical-copies',
  setup(build) {
    const first = new Map();
    build.onResolve({ filter: DEDUPED }, async (args) => {
      if (args.pluginData?.deduping) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { deduping: true },
      });
      if (resolved.errors.length > 0) return resolved;
      const manifest = path.join(
        resolved.path.slice(0, resolved.path.lastIndexOf(args.path) + args.path.length),
        'package.json',
      );
      const version = JSON.parse(require('node:fs').readFileSync(manifest, 'utf8')).version;
      const key = `${args.path}@${version}`;
      if (!first.has(key)) first.set(key, resolved.path);
      return { path: first.get(key) };
    });
  },
};

/**
 * The bundle's entry: the gateway's `main` with every bundled provider inside the same file, each
 * evaluated only when SERVICES enables it. Written from the gateway's own list (BUNDLED_PROVIDERS), so a
 * new provider is bundled by adding it there; a module named by PROVIDER_MODULES is still loaded with
 * Node's `require`.
 */
function entryContents() {
  const { BUNDLED_PROVIDERS } = require(path.join(ROOT, 'packages/gateway/dist/config'));
  const loaders = Object.values(BUNDLED_PROVIDERS).map(
    (name) => `  ${JSON.stringify(name)}: () => require(${JSON.stringify(name)}),`,
  );
  return [
    "const { runGateway } = require('@localcloud/gateway/dist/cli');",
    '',
    'runGateway({',
    ...loaders,
    '});',
    '',
  ].join('\n');
}

async function main() {
  const result = await esbuild.build({
    stdin: { contents: entryContents(), resolveDir: __dirname, sourcefile: 'bundle-entry.js', loader: 'js' },
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
    plugins: [loadOnFirstCall, dedupeCopies],
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
