// Build step (`npm run build`, after `tsc -b`): bundles the gateway and the bundled providers from their
// compiled dist into one file, packages/gateway/dist/localcloud.bundle.js, run by the loader
// packages/gateway/dist/localcloud.js, which `npm start` and the container image run; the providers not
// started at boot go into files of their own beside it, read on first use (LAZY_PREFIX, below). One file
// instead of a few thousand modules: start-up was mostly module resolution and loading (docs/benchmarks.md).
// What cannot be bundled stays a real `require` from that file's folder:
// the file-lock addon (a native prebuild found next to its package) and ssh2's optional native parts.
const path = require('node:path');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const os = require('node:os');
const { isBuiltin } = require('node:module');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'packages/gateway/dist');
/** What `npm start` and the image run: a small loader of the bundle with V8's code cache (below). */
const LOADER = path.join(DIST, 'localcloud.js');
const OUTFILE = path.join(DIST, 'localcloud.bundle.js');
const CODE_CACHE = path.join(DIST, 'localcloud.bundle.cache');
/** What the code cache's warm-up asks first (the gateway's health route, built before the bundle). */
const HEALTH_PATH = () => require(path.join(DIST, 'health')).HEALTH_PATH;

/**
 * Modules that export functions the gateway calls only on rare paths, or never, but that their importers
 * `require` at load: docker-modem's ssh transport (ssh2, for DOCKER_HOST=ssh://), dockerode's build
 * session (gRPC and protobuf, for BuildKit builds, which localcloud never starts), its BuildKit progress
 * decoder (protobufjs, which also reads a .proto file next to its own module: only Node's copy finds it)
 * and express's body parsers (the AWS request path reads bodies itself; body-parser with raw-body and
 * iconv-lite was a third of what express cost to load) and the prefix of winston's own debug messages
 * (@dabh/diagnostics' namespace modifier, whose colorspace, color and kuler were evaluated at every start:
 * it runs only when DEBUG names a winston namespace and such a message is written). They stay out of the
 * bundle (1.4 MB less to parse at every start): each becomes functions of the same names that load the
 * real module from node_modules, by package path, on their first call (`exports` names them; none: the
 * module is one function). They are production dependencies, so the image has them.
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
  {
    importer: /[\\/]node_modules[\\/]dockerode[\\/]lib[\\/]docker\.js$/,
    request: './buildkit',
    module: 'dockerode/lib/buildkit',
    exports: ['followProgress'],
  },
  {
    importer: /[\\/]node_modules[\\/]@dabh[\\/]diagnostics[\\/]node[\\/]development\.js$/,
    request: '../modifiers/namespace-ansi',
    module: '@dabh/diagnostics/modifiers/namespace-ansi',
  },
  {
    importer: /[\\/]node_modules[\\/]express[\\/]lib[\\/]express\.js$/,
    request: 'body-parser',
    module: 'body-parser',
    exports: ['json', 'raw', 'text', 'urlencoded'],
  },
];

const loadOnFirstCall = {
  name: 'load-on-first-call',
  setup(build) {
    build.onResolve(
      { filter: /^(\.\/(ssh|session|buildkit)|body-parser|\.\.\/modifiers\/namespace-ansi)$/ },
      (args) => {
        const entry = CALLED_LATER.find((m) => m.request === args.path && m.importer.test(args.importer));
        return entry ? { path: entry.module, namespace: 'load-on-first-call' } : undefined;
      },
    );
    build.onLoad({ filter: /.*/, namespace: 'load-on-first-call' }, (args) => {
      const entry = CALLED_LATER.find((m) => m.module === args.path);
      const load = `require(${JSON.stringify(args.path)})`;
      const contents = entry.exports
        ? entry.exports
            .map((name) => `exports.${name} = function () { return ${load}.${name}.apply(this, arguments); };`)
            .join('\n')
        : `module.exports = function () { return ${load}.apply(this, arguments); };`;
      return { contents, loader: 'js' };
    });
    // The stub's require stays Node's.
    build.onResolve(
      {
        filter:
          /^(docker-modem\/lib\/ssh|dockerode\/lib\/(session|buildkit)|body-parser|@dabh\/diagnostics\/modifiers\/namespace-ansi)$/,
      },
      (args) => (args.namespace === 'load-on-first-call' ? { path: args.path, external: true } : undefined),
    );
  },
};

/**
 * Modules whose evaluation is left to their first use: each importer gets a stand-in whose exports are
 * getters that evaluate the real module (bundled as before, or Node's own for a built-in) when one is
 * first read. The importers read them only inside functions, so nothing of them runs at start:
 * mime-types builds its tables of ~2,500 MIME types at load, for express's `res.type`/`req.is`, which the
 * AWS request path never calls; http-proxy-3 is the proxy of ELBv2's listeners and ECS Service Connect's
 * shared ports, and node:http2 (with its internals, the largest built-in the gateway loads) serves
 * Service Connect's cleartext HTTP/2 only: needed once one carries traffic; https and tls (with their
 * internals) serve only a Docker engine reached over TLS (docker-modem) and https upstreams of the proxy,
 * ~36 M instructions of every start otherwise (docs/benchmarks.md, night session); zlib inflates only a
 * request body sent with a Content-Encoding (read-body), winston's file transport's archives, dockerode's
 * build contexts and ws's compressed frames; fs/promises (with readline's internals, for its
 * `readLines`) reads an exec's exit file and serves `which`'s asynchronous look-up, neither used at start;
 * persistence's journal store (with its snapshot files, recovery and compaction) serves PERSISTENCE=1 only:
 * in memory (the default) `openStateStore` never reads it, and the package index re-exports it by getter;
 * qs (with side-channel, get-intrinsic and a dozen more) parses express's query strings only when its
 * 'query parser' is 'extended': the default, 'simple', is Node's querystring, and the gateway reads no query
 * through express; send (with http-errors' ~40 error classes and etag) serves express's `res.sendFile`, and
 * etag its ETags, which the gateway turns off: neither is called by the health answer; async's forEach and
 * series (17 modules of async) serve winston's logger only when it ends, is queried or handles an exception,
 * and its file transport's rotation; express's request and response helpers the gateway never calls
 * (`req.accepts`, with negotiator, `req.is`, `req.range`, `res.attachment`, `res.cookie`, `res.vary`) and
 * `express.static`. A module that is one
 * function (send, etag, http-errors) gets a function that calls the real one. The export names are
 * read from the real module at build time. A stand-in's exports are getters only: an importer that
 * assigned to one (none does) would have to stay off this list.
 */
const FIRST_USE =
  /^(mime-types|http-proxy-3|node:http2|https|node:https|tls|node:tls|zlib|node:zlib|fs\/promises|node:fs\/promises|\.\/journal-state-store|qs|send|etag|http-errors|async\/forEach|async\/series|accepts|type-is|range-parser|content-disposition|cookie|vary|serve-static)$/;

/**
 * The same for what the ECS provider's boot evaluated for later (docs/benchmarks.md, "the ECS provider's
 * start"): tar-fs (with tar-stream and its streams) packs dockerode's build contexts; ws serves ECS Exec's
 * data channels (the endpoint makes its server on the first upgrade); docker-backend's pause image builds
 * both architectures' programs and hashes them at load, for a name read when a task first needs it;
 * dns-packet (with its address codec, 7 modules) is the local DNS's, which listens only once a name is
 * published or a task needs it; @balena/dockerignore reads a build context's .dockerignore (dockerode).
 */
const ECS_FIRST_USE = /^(tar-fs|ws|\.\/pause-image\/pause-image|dns-packet|@balena\/dockerignore)$/;

/**
 * A stand-in plugin's resolution of a real module: resolved as usual (`pluginData` marks the look-up, so the
 * plugin lets it through), then named relative to the root, as the bundle names its modules (not by the
 * build's absolute paths), in the plugin's `namespace`.
 */
async function resolveInto(build, args, namespace, pluginData) {
  const resolved = await build.resolve(args.path, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData,
  });
  if (resolved.errors.length > 0) return resolved;
  return { path: path.relative(ROOT, resolved.path), namespace };
}

/** The plugin for the module names `filter` matches (exported for its test, bundle-first-use.test.ts). */
const evaluateOnFirstUse = (filter) => ({
  name: 'evaluate-on-first-use',
  setup(build) {
    build.onResolve({ filter }, async (args) => {
      // The stand-in's own require, and the look-ups below, resolve as usual.
      if (args.namespace === 'evaluate-on-first-use' || args.pluginData?.firstUse || args.pluginData?.deduping) {
        return undefined;
      }
      if (isBuiltin(args.path)) return { path: args.path, namespace: 'evaluate-on-first-use' };
      return resolveInto(build, args, 'evaluate-on-first-use', { firstUse: true });
    });
    build.onLoad({ filter: /.*/, namespace: 'evaluate-on-first-use' }, (args) => {
      const real = isBuiltin(args.path) ? args.path : path.join(ROOT, args.path);
      const module = require(real);
      // A module that is one function (with or without properties) gets a function that calls the real one.
      const exported = typeof module === 'function' ? 'module.exports' : 'exports';
      const contents = [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(real)}));`,
        ...(typeof module === 'function'
          ? [
              // `new` of the stand-in itself makes the real constructor's object (its prototype's methods).
              'module.exports = function () {',
              '  if (new.target) return Reflect.construct(load(), arguments, new.target === module.exports ? load() : new.target);',
              '  return load().apply(this, arguments);',
              '};',
            ]
          : []),
        ...(module.__esModule ? [`Object.defineProperty(${exported}, '__esModule', { value: true });`] : []),
        ...Object.keys(module).map(
          (name) =>
            `Object.defineProperty(${exported}, ${JSON.stringify(name)}, { enumerable: true, get: () => load()[${JSON.stringify(name)}] });`,
        ),
      ].join('\n');
      return { contents, loader: 'js', resolveDir: isBuiltin(real) ? ROOT : path.dirname(real) };
    });
  },
});

/**
 * A module its importer assigns to at load, and otherwise reads only inside functions: logform's colorize
 * (which winston's level configuration evaluates for its `Colorizer`) sets `enabled` on @colors/colors,
 * whose evaluation (its styles, themes and colour support checks) only a `colorize` format needs; the
 * gateway's log format has none. Its importer gets a stand-in that keeps the assignments made before the
 * first read and makes them on the real module (bundled as before) when a property is first read. (A
 * `FIRST_USE` stand-in's exports are getters only: the assignment would throw in strict mode.) The stand-in
 * forwards reads, assignments and `in` only: an importer that lists the module's keys stays off this list.
 */
const ASSIGNED_THEN_USED = [
  {
    importer: /[\\/]node_modules[\\/]logform[\\/]colorize\.js$/,
    request: '@colors/colors/safe',
  },
];

const assignedThenUsed = {
  name: 'assigned-then-used',
  setup(build) {
    build.onResolve({ filter: /^@colors\/colors\/safe$/ }, async (args) => {
      if (args.namespace === 'assigned-then-used' || args.pluginData?.assigned) return undefined;
      if (!ASSIGNED_THEN_USED.some((m) => m.request === args.path && m.importer.test(args.importer))) {
        return undefined;
      }
      return resolveInto(build, args, 'assigned-then-used', { assigned: true });
    });
    build.onLoad({ filter: /.*/, namespace: 'assigned-then-used' }, (args) => {
      const real = path.join(ROOT, args.path);
      const contents = [
        'let real;',
        'const assigned = new Map();',
        'const load = () => {',
        '  if (real === undefined) {',
        `    real = require(${JSON.stringify(real)});`,
        '    for (const [key, value] of assigned) real[key] = value;',
        '  }',
        '  return real;',
        '};',
        'module.exports = new Proxy({}, {',
        '  get: (_, key) => load()[key],',
        '  set: (_, key, value) => {',
        '    if (real === undefined) assigned.set(key, value);',
        '    else real[key] = value;',
        '    return true;',
        '  },',
        '  has: (_, key) => key in load(),',
        '});',
      ].join('\n');
      return { contents, loader: 'js', resolveDir: path.dirname(real) };
    });
  },
};

/**
 * npm installs four identical copies of mime-types 3.0.2 and mime-db 1.54.0 (under express, send,
 * type-is and accepts, as the root holds older ones); each copy builds its MIME tables at load. In the
 * bundle, copies of the same name and version become one.
 */
const DEDUPED = /^mime-(types|db)$/;

// `first` is shared by the builds of one run (the boot bundle and the lazy files), so all pick the same copy.
const dedupeCopies = (first) => ({
  name: 'dedupe-identical-copies',
  setup(build) {
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
});

/**
 * A plugin that patches `find` into `replacement` in the module whose path matches `file`. `replace` patches
 * the first occurrence only, so the build fails unless `find` is there exactly once: a new version of the
 * module, whose patch must then be looked at again.
 */
const patchOnce = (name, { file, find, replacement }) => ({
  name,
  setup(build) {
    build.onLoad({ filter: file }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const found = source.split(find).length - 1;
      if (found !== 1) throw new Error(`${args.path} has ${find} ${found} times, not once: see ${name}`);
      return { contents: source.replace(find, replacement) };
    });
  },
});

/**
 * docker-modem formats the options of every request it sends with `util.inspect` (`showHidden`, no depth
 * limit) for its debug log, whether DEBUG turns that log on or not: a large part of the start-up's first
 * Engine request (the formatter's first run) and a cost on every Engine request after. In the bundle it
 * formats them only when that log is on. The build fails unless the call is found exactly once (a new
 * docker-modem): this must then be looked at again.
 */
const FORMATTED_FOR_DEBUG = {
  file: /[\\/]node_modules[\\/]docker-modem[\\/]lib[\\/]modem\.js$/,
  call: "debug('Sending: %s', util.inspect(",
};

const formatOnlyWhenDebugging = patchOnce('formatOnlyWhenDebugging', {
  file: FORMATTED_FOR_DEBUG.file,
  find: FORMATTED_FOR_DEBUG.call,
  replacement: `debug.enabled && ${FORMATTED_FOR_DEBUG.call}`,
});

/**
 * depd (the deprecation messages of express, its router and http-errors) finds, when a module calls
 * `depd(namespace)` at load, that module's file, by a helper that also reads the call site's line and
 * column, which V8 computes from the line ends of the whole script: a scan of the bundle's text at every
 * start (~18 M instructions). Only the file is kept; in the bundle it is read without the line and column,
 * the same file. The build fails unless the lines are found exactly once (a new depd): this must then be
 * looked at again.
 */
const DEPD_CALLER = {
  file: /[\\/]node_modules[\\/]depd[\\/]index\.js$/,
  lines: '  var site = callSiteLocation(stack[1])\n  var file = site[0]\n',
  replacement:
    "  var file = stack[1].getFileName() || '<anonymous>'\n" +
    "  if (stack[1].isEval()) file = stack[1].getEvalOrigin() + ', ' + file\n",
};

const depdCallerFileOnly = patchOnce('depdCallerFileOnly', {
  file: DEPD_CALLER.file,
  find: DEPD_CALLER.lines,
  replacement: DEPD_CALLER.replacement,
});

/**
 * winston creates a default logger when it is evaluated (a Logger with its stream state, format and
 * exception and rejection handlers), for `winston.info(...)` and the like, which the gateway never calls:
 * it logs through its own `createLogger` (packages/gateway/src/logger.ts). In the bundle the default
 * logger is created on its first use: each reference to it becomes a call of a function that creates it
 * once. The build fails unless the declaration is found once and the references as many times as in
 * winston 3.19 (a new winston): this must then be looked at again.
 */
const DEFAULT_LOGGER = {
  file: /[\\/]node_modules[\\/]winston[\\/]lib[\\/]winston\.js$/,
  declaration: 'const defaultLogger = exports.createLogger();',
  replacement:
    'let defaultLoggerInstance;\nconst defaultLogger = () => (defaultLoggerInstance ??= exports.createLogger());',
  /** A use of it: the name followed by a property access (not the one in a comment, in quotes). */
  reference: /\bdefaultLogger(?=[.[])/g,
  references: 10,
};

const defaultLoggerOnFirstUse = {
  name: 'winston-default-logger-on-first-use',
  setup(build) {
    build.onLoad({ filter: DEFAULT_LOGGER.file }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const declarations = source.split(DEFAULT_LOGGER.declaration).length - 1;
      const references = source.match(DEFAULT_LOGGER.reference)?.length ?? 0;
      if (declarations !== 1 || references !== DEFAULT_LOGGER.references) {
        throw new Error(
          `${args.path} declares its default logger ${declarations} times and uses it ${references} times, ` +
            `not once and ${DEFAULT_LOGGER.references}: see defaultLoggerOnFirstUse`,
        );
      }
      const contents = source
        .replace(DEFAULT_LOGGER.reference, 'defaultLogger()')
        .replace(DEFAULT_LOGGER.declaration, DEFAULT_LOGGER.replacement);
      return { contents };
    });
  },
};

/**
 * The generated service models (`<provider>/dist/generated/*-model.json`, 30–180 kB each) as
 * `JSON.parse` of strings instead of esbuild's object literal: V8 parses JSON far faster than a
 * literal of the same size, and the literal's bytecode and boilerplate would otherwise sit in the
 * code cache and in memory for every provider, enabled or not. Evaluated on first `require`, as
 * every module of the bundle. See modelModuleSource for the structures.
 */
const modelsAsJson = {
  name: 'models-as-json-parse',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]generated[\\/][^\\/]+-model\.json$/ }, async (args) => {
      const model = JSON.parse(await fs.promises.readFile(args.path, 'utf8'));
      return { contents: modelModuleSource(model), loader: 'js' };
    });
  },
};

/**
 * A model module whose structures are each parsed on first read: a request needs its operation's few
 * structures, and parsing them all made most of ECS's first request (ECS's 411 structures, ~100 kB: each
 * distinct set of member names is a new object shape for V8; ~4 ms cold against ~0.4 ms for the
 * operations, errors and ListClusters' two structures). The rest of the model is parsed at once. The
 * structures are one string and their ends; each is an enumerable getter that parses its slice and
 * replaces itself with the value, so reads, `Object.keys` and `JSON.stringify` see the same model (on an
 * object without a prototype: `structures.constructor` is no structure either).
 */
function modelModuleSource(model) {
  const names = Object.keys(model.structures);
  const texts = names.map((name) => JSON.stringify(model.structures[name]));
  let end = 0;
  const ends = texts.map((text) => (end += text.length));
  // Structures keep their place among the model's members: a placeholder, replaced below.
  const rest = JSON.stringify({ ...model, structures: 0 });
  return [
    `const model = JSON.parse(${JSON.stringify(rest)});`,
    `const text = ${JSON.stringify(texts.join(''))};`,
    `const names = JSON.parse(${JSON.stringify(JSON.stringify(names))});`,
    `const ends = JSON.parse(${JSON.stringify(JSON.stringify(ends))});`,
    // Null-prototype: a dictionary from the start (V8), not a new object shape per getter defined.
    'const structures = Object.create(null);',
    'names.forEach((name, i) => {',
    '  Object.defineProperty(structures, name, {',
    '    enumerable: true,',
    '    configurable: true,',
    '    get() {',
    '      const value = JSON.parse(text.slice(i === 0 ? 0 : ends[i - 1], ends[i]));',
    '      Object.defineProperty(structures, name, { value, enumerable: true, configurable: true, writable: true });',
    '      return value;',
    '    },',
    '    set(value) {',
    '      Object.defineProperty(structures, name, { value, enumerable: true, configurable: true, writable: true });',
    '    },',
    '  });',
    '});',
    'model.structures = structures;',
    'module.exports = model;',
  ].join('\n');
}

/**
 * Bundled providers not started at boot are built into files of their own beside the bundle,
 * `localcloud.lazy.<package>.js`, which the loader compiles and evaluates on the provider's first use:
 * their text (~0.7 MB: SSM, Logs, ECR, ELBv2, Cloud Map, Secrets Manager with their models) is then
 * neither read nor kept in memory by a gateway that never uses them. What such a file needs that the
 * bundle holds (the gateway, persistence, aws-model, express, ...) is not copied into it: its
 * `require` of `localcloud-shared:<key>` gets the bundle's own instance (`exports.shared`), so every
 * module exists once, with its state and classes (`instanceof` holds across files). A module two lazy
 * files would both hold goes into the bundle instead, shared the same way.
 */
const LAZY_PREFIX = 'localcloud.lazy.';
/** A lazy file's require of a module the bundle holds, by key. */
const SHARED = 'localcloud-shared:';
/** The bundle entry's require of a module by key (to expose it in `exports.shared`). */
const EXPOSE = 'localcloud-expose:';
/** The plugins' namespaces a module key may start with; otherwise a key is a file relative to ROOT. */
const NAMESPACES = ['evaluate-on-first-use', 'load-on-first-call', 'assigned-then-used'];

function providerModules() {
  const { BUNDLED_PROVIDERS, STARTED_AT_BOOT } = require(path.join(ROOT, 'packages/gateway/dist/config'));
  const atBoot = [...STARTED_AT_BOOT].map((service) => BUNDLED_PROVIDERS[service]);
  const all = Object.values(BUNDLED_PROVIDERS);
  return { all, atBoot, lazy: all.filter((name) => !atBoot.includes(name)) };
}

const lazyFile = (moduleName) => `${LAZY_PREFIX}${moduleName.replace(/^@[^/]+\//, '')}.js`;

/** A module's key, as esbuild's metafile names its inputs: its file relative to ROOT, or `namespace:path`. */
function keyOf({ path: file, namespace }) {
  return namespace === 'file' ? path.relative(ROOT, file).split(path.sep).join('/') : `${namespace}:${file}`;
}

/** Boot build: the entry's `localcloud-expose:<key>` is that module. */
const exposeByKey = {
  name: 'expose-by-key',
  setup(build) {
    build.onResolve({ filter: /^localcloud-expose:/ }, (args) => {
      const key = args.path.slice(EXPOSE.length);
      const namespace = NAMESPACES.find((name) => key.startsWith(`${name}:`));
      return namespace ? { path: key.slice(namespace.length + 1), namespace } : { path: path.join(ROOT, key) };
    });
  },
};

/** Lazy file's build: a module the bundle holds (`bootKeys`) becomes a require of the bundle's instance. */
const shareWithBoot = (bootKeys, used) => ({
  name: 'share-with-boot',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      // The other plugins' own look-ups, and this one's, resolve as usual.
      const data = args.pluginData;
      if (args.kind === 'entry-point' || data?.sharing || data?.firstUse || data?.deduping) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        namespace: args.namespace,
        resolveDir: args.resolveDir,
        pluginData: { sharing: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (resolved.external || !bootKeys.has(keyOf(resolved))) return undefined;
      used.add(keyOf(resolved));
      return { path: SHARED + keyOf(resolved), external: true };
    });
  },
});

/** The workspace packages' files (`packages/<name>/dist/...`) among a build's module keys. */
const WORKSPACE_FILE = /^packages\/[^/]+\/dist\//;

/** A lazy file's entry, by key: the provider package's main file. */
const lazyEntryKey = (name) => keyOf({ path: require.resolve(name, { paths: [ROOT] }), namespace: 'file' });

/**
 * The bundle's entry: the gateway's `main` with the providers started at boot inside the same file and
 * the others in their lazy files, each evaluated only when SERVICES enables it and it is first used.
 * Written from the gateway's own list (BUNDLED_PROVIDERS), so a new provider is bundled by adding it
 * there; a module named by PROVIDER_MODULES is still loaded with Node's `require`. `exposed`: the keys
 * of the modules the lazy files take from this one. `forPlugins`: the keys of the workspace packages'
 * files this one holds, which a plugin gets as this file's instances (`loadPlugin`), as it gets a lazy
 * provider's main file from its lazy file, through `providers` (one instance, whoever loads it first).
 */
function entryContents(exposed, forPlugins) {
  const { all, atBoot, lazy } = providerModules();
  const loaders = all.map((name) =>
    atBoot.includes(name)
      ? `  ${JSON.stringify(name)}: () => require(${JSON.stringify(name)}),`
      : `  ${JSON.stringify(name)}: () => loadLazy(${JSON.stringify(lazyFile(name))}),`,
  );
  const pluginModules = [
    ...forPlugins.map((key) => `      ${JSON.stringify(key)}: () => require(${JSON.stringify(EXPOSE + key)}),`),
    ...lazy.map((name) => `      ${JSON.stringify(lazyEntryKey(name))}: providers[${JSON.stringify(name)}],`),
  ];
  // `run` starts the gateway, given the loader's `loadLazy`. The code cache is written by a start (the
  // loader's `warmUp`), so it holds what every start runs (the gateway and the providers started at boot),
  // not the lazy providers' files, whose code V8 would otherwise read back for nothing.
  return [
    "const { runGateway } = require('@localcloud/gateway/dist/cli');",
    '',
    'let loadLazy;',
    'const providers = {',
    ...loaders,
    '};',
    'exports.shared = {',
    ...exposed.map((key) => `  ${JSON.stringify(key)}: () => require(${JSON.stringify(EXPOSE + key)}),`),
    '};',
    // Only when a plugin is loaded: nothing of this runs at boot.
    'let sharing = false;',
    'const loadPlugin = (name) => {',
    '  if (!sharing) {',
    "    require('@localcloud/gateway/dist/plugin/share-with-plugins').shareWithPlugins(",
    `      require('node:path').join(__dirname, ${JSON.stringify(path.relative(DIST, ROOT))}),`,
    '      {',
    ...pluginModules,
    '      },',
    '    );',
    '    sharing = true;',
    '  }',
    '  return require(name);',
    '};',
    'exports.run = (load) => {',
    '  loadLazy = load;',
    '  runGateway(providers, loadPlugin);',
    '};',
    '',
  ].join('\n');
}

/**
 * The loader `npm start` runs: compiles the bundle with the code cache the build made, so that V8 does
 * not parse and compile 2.7 MB of JavaScript again at every start (most of what start-up spent before
 * the first answer, docs/benchmarks.md). A cache that does not fit (another Node, a changed bundle) is
 * rejected by V8 and the bundle compiles as without one. The cache is keyed by the bundle's hash.
 */
function loaderContents(hash) {
  return `#!/usr/bin/env node
'use strict';
// Generated by scripts/bundle.js: runs localcloud.bundle.js with V8's code cache (localcloud.bundle.cache),
// and the providers' lazy files (localcloud.lazy.*.js) on their first use.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const BUNDLE = path.join(__dirname, 'localcloud.bundle.js');
const CACHE = path.join(__dirname, 'localcloud.bundle.cache');
const HASH = ${JSON.stringify(hash)};

function cachedData() {
  try {
    const data = fs.readFileSync(CACHE);
    const hash = data.subarray(0, HASH.length).toString('latin1');
    return hash === HASH ? data.subarray(HASH.length) : undefined;
  } catch {
    return undefined;
  }
}

const writing = process.argv[2] === '--write-code-cache';
// Read as latin1: the build checks the bundle is pure ASCII, so this is the same text as UTF-8 gives,
// made without a UTF-8 decode of the whole file at every start.
const script = new vm.Script(fs.readFileSync(BUNDLE, 'latin1'), {
  filename: BUNDLE,
  cachedData: writing ? undefined : cachedData(),
});
const bundle = { exports: {} };
const bundleRequire = createRequire(BUNDLE);
script.runInThisContext()(bundle.exports, bundleRequire, bundle, BUNDLE, __dirname);

/** A lazy file's require: the bundle's instance of a module the bundle holds, else Node's, as the bundle's. */
const lazyRequire = Object.assign((id) => {
  if (!id.startsWith(${JSON.stringify(SHARED)})) return bundleRequire(id);
  const load = bundle.exports.shared[id.slice(${SHARED.length})];
  if (load === undefined) throw new Error(\`\${id} is not in \${BUNDLE}: a lazy file of another build?\`);
  return load();
}, bundleRequire);

const lazy = new Map();
/** Compiles and evaluates a provider's lazy file on its first use, once (no code cache: read once). */
function loadLazy(file) {
  let module = lazy.get(file);
  if (module === undefined) {
    const filename = path.join(__dirname, file);
    const wrapper = new vm.Script(fs.readFileSync(filename, 'latin1'), { filename }).runInThisContext();
    module = { exports: {} };
    wrapper(module.exports, lazyRequire, module, filename, __dirname);
    lazy.set(file, module);
  }
  return module.exports;
}

function writeCache() {
  const temporary = \`\${CACHE}.\${process.pid}\`;
  fs.writeFileSync(temporary, Buffer.concat([Buffer.from(HASH, 'latin1'), script.createCachedData()]));
  fs.renameSync(temporary, CACHE);
}

/** The build's warm-up: a health answer, then a ListClusters, from the gateway this process runs. */
async function warmUp() {
  const http = require('node:http');
  const port = Number(/:(\\d+)$/.exec(process.env.GATEWAY_LISTEN ?? '')?.[1]);
  const ask = (options, body) =>
    new Promise((resolve) => {
      const request = http.request({ host: '127.0.0.1', port, ...options }, (response) => {
        // Settled however the response ends: whole ('end'), or cut off ('close' without 'end', 'error').
        response.resume().once('end', () => resolve(response.statusCode));
        response.once('close', () => resolve(response.complete ? response.statusCode : undefined));
        response.once('error', () => resolve(undefined));
      });
      request.once('error', () => resolve(undefined));
      // A start that hangs must not hang the build: the cache is then written after the start alone.
      request.setTimeout(5000, () => request.destroy());
      request.end(body);
    });
  const deadline = Date.now() + 20000;
  while ((await ask({ path: ${JSON.stringify(HEALTH_PATH())} })) !== 200) {
    if (Date.now() > deadline) throw new Error('no health answer');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
    authorization: 'AWS4-HMAC-SHA256 Credential=build/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0',
  };
  if ((await ask({ method: 'POST', path: '/', headers }, '{}')) !== 200) throw new Error('ListClusters failed');
}

if (writing) {
  // Written after the first answers, not only after evaluation: the cache then also holds the functions the
  // health answer and the first ECS request run (the router, the AWS request path, the handler), which V8
  // would otherwise compile lazily at every start. The build runs this with its own port, no Docker engine
  // and nothing persisted (\`writeCodeCache\` in scripts/bundle.js).
  bundle.exports.run(loadLazy);
  const gaveUp = (reason) => {
    process.stderr.write(\`the code cache's warm-up failed (\${reason}): written after the start alone\\n\`);
    process.exit((writeCache(), 0));
  };
  // However the start or its answers stall, the warm-up ends here.
  setTimeout(() => gaveUp('no answers within 30 s'), 30000).unref();
  warmUp().then(
    () => process.exit((writeCache(), 0)),
    (error) => gaveUp(error.message),
  );
} else {
  bundle.exports.run(loadLazy);
}
`;
}

/**
 * The loader reads the bundle as latin1, which gives the same string as UTF-8 only for ASCII text.
 * esbuild writes ASCII (its default `charset` escapes the rest); this keeps it so if that ever changes.
 */
function assertAscii(bytes, file) {
  const at = bytes.findIndex((byte) => byte > 0x7f);
  if (at !== -1) throw new Error(`${file} is not pure ASCII (byte ${at}): the loader reads it as latin1`);
}

async function main() {
  const options = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    absWorkingDir: ROOT,
    // The module wrapper Node would add, written at build time: the loader compiles the file as it is,
    // without making another 2 MB string at every start.
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '})' },
    // Native addons and what loads them by path at run time.
    external: ['fs-native-extensions', 'cpu-features', '*.node'],
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    // Less text to parse at every start; names are kept, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    // Non-ASCII characters escaped (esbuild's default, named here): the loader reads the files as latin1.
    charset: 'ascii',
    // PROVIDER_MODULES names modules by string; that dynamic require is meant to stay Node's.
    logOverride: { 'unsupported-require-call': 'silent' },
    metafile: true,
  };
  const first = new Map();
  const plugins = (own) => [
    own,
    loadOnFirstCall,
    assignedThenUsed,
    evaluateOnFirstUse(FIRST_USE),
    evaluateOnFirstUse(ECS_FIRST_USE),
    dedupeCopies(first),
    modelsAsJson,
    formatOnlyWhenDebugging,
    depdCallerFileOnly,
    defaultLoggerOnFirstUse,
  ];
  for (const file of fs.readdirSync(DIST)) {
    if (file.startsWith(LAZY_PREFIX)) fs.rmSync(path.join(DIST, file));
  }
  // The bundle, then the lazy files against what it holds; again while they need a module it does not
  // expose yet (the first time: all they share with it) or hold one between two of them. Two rounds.
  // The plugins' share of it (every workspace file it holds) is known after a build too; exposing it
  // adds no module (each is in the bundle already), so the second round's list is the first's.
  let exposed = [];
  let forPlugins = [];
  let boot;
  let lazyBuilds;
  for (let round = 1; ; round++) {
    boot = await esbuild.build({
      ...options,
      stdin: {
        contents: entryContents(exposed, forPlugins),
        resolveDir: __dirname,
        sourcefile: 'bundle-entry.js',
        loader: 'js',
      },
      outfile: OUTFILE,
      plugins: plugins(exposeByKey),
    });
    const bootKeys = new Set(Object.keys(boot.metafile.inputs));
    // A lazy provider's own file in the bundle too would be two instances of it (the share-with-boot
    // step leaves entry points alone): one for the bundle's importers, one for its service and plugins.
    const inBoth = providerModules().lazy.filter((name) => bootKeys.has(lazyEntryKey(name)));
    if (inBoth.length > 0) {
      throw new Error(`lazy providers also held in the bundle (an import of them there?): ${inBoth.join(', ')}`);
    }
    const workspaceFiles = [...bootKeys].filter((key) => WORKSPACE_FILE.test(key)).sort();
    const used = new Set();
    lazyBuilds = [];
    for (const name of providerModules().lazy) {
      lazyBuilds.push(
        await esbuild.build({
          ...options,
          entryPoints: [require.resolve(name, { paths: [ROOT] })],
          outfile: path.join(DIST, lazyFile(name)),
          plugins: plugins(shareWithBoot(bootKeys, used)),
        }),
      );
    }
    const held = new Set();
    const twice = new Set();
    for (const key of lazyBuilds.flatMap((result) => Object.keys(result.metafile.inputs))) {
      (held.has(key) ? twice : held).add(key);
    }
    const missing = [...used, ...twice].filter((key) => !exposed.includes(key));
    const pluginsChanged = workspaceFiles.join('\n') !== forPlugins.join('\n');
    if (missing.length === 0 && !pluginsChanged) break;
    if (round === 3) {
      throw new Error(
        missing.length > 0
          ? `the lazy files still need from the bundle: ${missing.join(', ')}`
          : 'the workspace files the bundle holds changed again when exposed to plugins',
      );
    }
    exposed = [...new Set([...exposed, ...missing])].sort();
    forPlugins = workspaceFiles;
  }
  if (process.env.BUNDLE_METAFILE !== undefined) {
    const metafiles = [boot, ...lazyBuilds].map((result) => result.metafile);
    const merged = (part) => Object.assign({}, ...metafiles.map((metafile) => metafile[part]));
    fs.writeFileSync(
      process.env.BUNDLE_METAFILE,
      JSON.stringify({ inputs: merged('inputs'), outputs: merged('outputs') }),
    );
  }
  for (const name of providerModules().lazy) {
    const file = path.join(DIST, lazyFile(name));
    assertAscii(fs.readFileSync(file), file);
  }
  const bundle = fs.readFileSync(OUTFILE);
  assertAscii(bundle, OUTFILE);
  const hash = crypto.createHash('sha256').update(bundle).digest('hex').slice(0, 32);
  fs.writeFileSync(LOADER, loaderContents(hash), { mode: 0o755 });
  fs.rmSync(CODE_CACHE, { force: true });
  await writeCodeCache();
}

/** The named members of an environment that are set. */
function pick(env, names) {
  return Object.fromEntries(names.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/**
 * The code cache, made by the Node that builds (the image's build makes the image's own), by a start of the
 * built gateway that answers a health request and a ListClusters (the loader's `warmUp`). That start must
 * touch nothing of the user's: a port of its own, an engine address where none listens (ECS's start would
 * otherwise reconcile the containers of a running gateway), no persistence, its log lines dropped.
 */
async function writeCodeCache(loader = LOADER) {
  const port = await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-code-cache-'));
  try {
    const written = spawnSync(process.execPath, [loader, '--write-code-cache'], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      // The warm-up gives up by itself within ~30 s; this is the guard should the process itself hang.
      timeout: 120_000,
      killSignal: 'SIGKILL',
      // Only what Node itself reads from the build's environment: the user's gateway settings (an account
      // id, a body limit, a public URL, ...) are not the warm-up's, and one the config refuses would stop it.
      env: {
        ...pick(process.env, ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'NODE_OPTIONS', 'NODE_PATH']),
        GATEWAY_LISTEN: `127.0.0.1:${port}`,
        DOCKER_HOST: `unix://${path.join(scratch, 'no-engine.sock')}`,
        ECS_CONTAINER_PREFIX: 'localcloud-code-cache',
        ECS_TASK_ENDPOINTS_LISTEN: '127.0.0.1:0',
        PERSISTENCE: '0',
        DATA_DIR: scratch,
        SERVICES: '',
        PROVIDER_MODULES: '',
        PROVIDER_START: 'lazy',
        LOG_LEVEL: 'info',
        DEBUG: '',
      },
    });
    // Its log lines (on stderr) are the warm-up's; shown only when the cache was not written as meant. No
    // cache is no failure: the loader compiles without one (a slower start), so the build goes on.
    if (written.error || written.status !== 0) {
      console.warn(
        `no code cache written (${written.error?.message ?? `exit ${written.status}`}): starts compile the bundle\n${written.stderr}`,
      );
      return;
    }
    const warning = /^the code cache's warm-up failed.*$/m.exec(written.stderr);
    if (warning) console.warn(warning[0]);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = {
  evaluateOnFirstUse,
  FIRST_USE,
  assertAscii,
  formatOnlyWhenDebugging,
  modelModuleSource,
  ECS_FIRST_USE,
  assignedThenUsed,
  depdCallerFileOnly,
  defaultLoggerOnFirstUse,
  writeCodeCache,
};

if (require.main === module) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
