#!/usr/bin/env node
// One generator for every provider: writes each service's model (operations, input and output shapes with
// required members, types, enums and constraints, errors, protocol settings) from the official model as the
// AWS SDK for JavaScript v3 ships it (`@aws-sdk/client-<service>`), plus the committed constraints overlay.
// Build-time only: nothing here is loaded when the gateway runs. See docs/architecture.md ("The API model").
//
//   npm run generate                      every service in packages/aws-model/services.json
//   npm run generate -- ecs logs          some of them
//   npm run generate -- --check           regenerate in memory; exit 1 if a committed file differs
//
// Sources, all inside the installed client package:
// - the Smithy schemas the client embeds (`XxxRequest$`, `Op$`, `XxxException$`), read through the public
//   decoder `NormalizedSchema` of @smithy/core; the only raw reads are a schema's kind (element 0, asserted)
//   and a structure's count of leading required members (element 6);
// - `dist-types`: enums (`models/enums.d.ts`, linked to members by the member types in `models_*.d.ts`) and
//   the errors of each operation (`@throws` in `commands/<Op>Command.d.ts`), with the TypeScript compiler;
// - `client.config`: protocol, target prefix, API version, XML namespace.
// Lengths, ranges and patterns are in no current npm model; they come from the overlay
// (`<provider>/model/<service>.constraints.json`, seeded by scripts/seed-constraints.js), and every overlay
// key must name a member the SDK still has.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '../../..');
// AWS_MODEL_SERVICES: another services file (tests); `out` and `overlay` may then be absolute paths.
const SERVICES_FILE = process.env.AWS_MODEL_SERVICES ?? path.join(__dirname, '../services.json');
const fromRoot = (id) => require(require.resolve(id, { paths: [ROOT] }));
const packageDir = (id) => path.dirname(require.resolve(`${id}/package.json`, { paths: [ROOT] }));

/** Schema kinds of @smithy/types static schemas (element 0 of an array schema). */
const KIND = { simple: 0, list: 1, map: 2, structure: 3, union: 4, error: -3, operation: 9 };
const KNOWN_KINDS = new Set(Object.values(KIND));
/** Traits whose meaning this generator knows; anything else on an input or output shape fails the run. */
const KNOWN_TRAITS = new Set([
  'error',
  'httpError',
  'awsQueryError',
  'xmlName',
  'xmlFlattened',
  'xmlAttribute',
  'xmlNamespace',
  'jsonName',
  'timestampFormat',
  'sensitive',
  'idempotencyToken',
  'idempotent',
  'httpLabel',
  'httpHeader',
  'httpQuery',
  'httpQueryParams',
  'httpPayload',
  'httpPrefixHeaders',
  'httpResponseCode',
  'mediaType',
  'streaming',
  'eventPayload',
  'eventHeader',
  'endpoint',
  'hostLabel',
  'http',
  'awsQueryCompatible',
  'cors',
  'retryable',
  'documentation',
  'smithy.api#httpChecksumRequired',
  'requestCompression',
  'httpChecksum',
  'authDefinition',
  'ec2QueryName',
  'requiresLength',
  'default',
]);
const TIMESTAMP_FORMATS = { 5: 'date-time', 6: 'http-date', 7: 'epoch-seconds' };

function main(argv) {
  const check = argv.includes('--check');
  const names = argv.filter((a) => !a.startsWith('--'));
  const services = readServices();
  const selected = names.length > 0 ? names : Object.keys(services);
  let stale = 0;
  for (const name of selected) {
    const entry = services[name];
    if (!entry) throw new Error(`unknown service '${name}' (known: ${Object.keys(services).join(', ')})`);
    const text = renderModel(name, entry);
    const out = path.resolve(ROOT, entry.out);
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
    if (check) {
      if (current !== text) {
        stale++;
        console.error(`${entry.out} differs from what ${entry.package} generates: run \`npm run generate\`.`);
      }
    } else {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      if (current !== text) fs.writeFileSync(out, text);
      console.log(`${current === text ? 'unchanged' : 'wrote'} ${entry.out} (${text.length} bytes)`);
    }
  }
  if (stale > 0) process.exitCode = 1;
  else if (check) console.log(`generated models match ${selected.join(', ')}`);
}

function readServices() {
  const services = JSON.parse(fs.readFileSync(SERVICES_FILE, 'utf8'));
  delete services.$comment;
  return services;
}

/** The generated file's text for one service: compact JSON, stable key order. */
function renderModel(name, entry) {
  return JSON.stringify(buildModel(name, entry)) + '\n';
}

function buildModel(name, entry) {
  const sdk = fromRoot(entry.package);
  const { NormalizedSchema } = require(require.resolve('@smithy/core/schema', { paths: [packageDir(entry.package)] }));
  const dir = packageDir(entry.package);
  const overlayFile = entry.overlay ? path.resolve(ROOT, entry.overlay) : undefined;
  const overlayText = overlayFile && fs.existsSync(overlayFile) ? fs.readFileSync(overlayFile, 'utf8') : undefined;
  const overlay = overlayText ? JSON.parse(overlayText).members : {};
  const usedOverlay = new Set();
  const enums = readEnums(dir);

  const structures = {};
  /** A member's or list item's shape, as the runtime reads it (see src/model.ts). */
  function shapeOf(ns, owner, member) {
    const raw = ns.getSchema();
    if (Array.isArray(raw) && !KNOWN_KINDS.has(raw[0])) throw new Error(`unknown schema kind ${raw[0]} at ${owner}`);
    const traits = ns.getMergedTraits();
    for (const trait of Object.keys(traits)) {
      if (!KNOWN_TRAITS.has(trait))
        throw new Error(`unknown trait '${trait}' at ${owner}$${member}: teach the generator`);
    }
    const facets = {};
    // Secret values, passwords, keys: the gateway keeps them out of its log (redactSensitive).
    if (traits.sensitive) facets.sensitive = true;
    if (protocolIsXml && traits.xmlName) facets.xmlName = traits.xmlName;
    if (protocolIsXml && traits.xmlFlattened) facets.flattened = true;
    let shape;
    if (ns.isListSchema()) {
      shape = { list: shapeOf(ns.getValueSchema(), owner, member) };
    } else if (ns.isMapSchema()) {
      shape = { map: shapeOf(ns.getValueSchema(), owner, member) };
    } else if (ns.isStructSchema() || ns.isUnionSchema()) {
      const structName = ns.getName();
      addStructure(ns, structName);
      shape = { structure: structName };
    } else {
      const type = simpleType(ns);
      if (type === 'timestamp') {
        const code = typeof raw === 'number' ? raw : Array.isArray(raw) ? raw[4] : undefined;
        if (TIMESTAMP_FORMATS[code]) facets.format = TIMESTAMP_FORMATS[code];
      }
      shape = Object.keys(facets).length > 0 ? { type } : type;
    }
    return typeof shape === 'string' ? shape : { ...shape, ...facets };
  }

  function addStructure(ns, structName) {
    if (structures[structName]) return;
    const raw = ns.getSchema();
    const kind = raw[0];
    const structure = { members: {}, required: [] };
    structures[structName] = structure;
    const memberNames = [];
    for (const [member, memberNs] of ns.structIterator()) {
      memberNames.push(member);
      let shape = shapeOf(memberNs, structName, member);
      shape = withEnum(shape, enums.members.get(`${structName}$${member}`), enums.values);
      const key = `${structName}$${member}`;
      if (overlay[key]) {
        shape = withConstraints(shape, overlay[key], key);
        usedOverlay.add(key);
      }
      structure.members[member] = shape;
    }
    // Element 6: how many leading members are required (structures list their required members first).
    if (kind === KIND.structure && typeof raw[6] === 'number') structure.required = memberNames.slice(0, raw[6]);
    if (kind === KIND.union) structure.union = true;
  }

  const protocolInfo = readProtocol(sdk, entry.package);
  const protocolIsXml = /Query|restXml/.test(protocolInfo.protocol);
  const operations = {};
  for (const operation of readOperationNames(dir)) {
    const schema = sdk[`${operation}$`];
    if (!Array.isArray(schema) || schema[0] !== KIND.operation) throw new Error(`no operation schema for ${operation}`);
    const op = {};
    for (const [key, index] of [
      ['input', 4],
      ['output', 5],
    ]) {
      const ns = NormalizedSchema.of(schema[index]);
      if (ns.isUnitSchema()) continue;
      if (!ns.isStructSchema()) throw new Error(`${operation} ${key} is not a structure`);
      addStructure(ns, ns.getName());
      op[key] = ns.getName();
    }
    if (/Query/.test(protocolInfo.protocol)) op.resultWrapper = `${operation}Result`;
    op.errors = readThrows(dir, operation);
    operations[operation] = op;
  }

  const errors = {};
  for (const [exportName, schema] of Object.entries(sdk)) {
    if (!exportName.endsWith('$') || !Array.isArray(schema) || schema[0] !== KIND.error) continue;
    const traits = NormalizedSchema.of(schema).getMergedTraits();
    const error = { fault: traits.error === 'server' ? 'server' : 'client' };
    if (traits.httpError) error.status = traits.httpError;
    if (Array.isArray(traits.awsQueryError)) error.query = traits.awsQueryError;
    errors[schema[2]] = error;
  }

  for (const key of Object.keys(overlay)) {
    if (!usedOverlay.has(key)) {
      throw new Error(`${entry.overlay}: '${key}' names no member of ${entry.package}: fix or drop it`);
    }
  }

  return {
    $comment: `Generated by packages/aws-model/scripts/generate.js from ${entry.package}. Do not edit: run \`npm run generate\`.`,
    source: {
      package: entry.package,
      version: fromRoot(`${entry.package}/package.json`).version,
      smithyCore: require(require.resolve('@smithy/core/package.json', { paths: [dir] })).version,
      overlay: overlayText ? sha256(overlayText) : null,
    },
    service: { name, ...protocolInfo },
    operations: sortKeys(operations),
    structures: sortKeys(structures),
    errors: sortKeys(errors),
  };
}

function simpleType(ns) {
  if (ns.isStringSchema()) return 'string';
  if (ns.isBooleanSchema()) return 'boolean';
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) return 'number';
  if (ns.isTimestampSchema()) return 'timestamp';
  if (ns.isBlobSchema()) return 'blob';
  if (ns.isDocumentSchema()) return 'document';
  throw new Error(`unknown simple schema ${JSON.stringify(ns.getSchema())}`);
}

/** Attaches enum values to a string member, or to the items of a list or values of a map of them. */
function withEnum(shape, enumName, values) {
  if (!enumName) return shape;
  const allowed = values.get(enumName);
  if (!allowed) return shape;
  if (shape === 'string' || shape === 'number') return { type: shape, enum: allowed };
  if (typeof shape === 'object' && (shape.type === 'string' || shape.type === 'number'))
    return { ...shape, enum: allowed };
  if (typeof shape === 'object' && shape.list) return { ...shape, list: withEnum(shape.list, enumName, values) };
  if (typeof shape === 'object' && shape.map) return { ...shape, map: withEnum(shape.map, enumName, values) };
  return shape;
}

/**
 * Overlay constraints: `length` on strings, lists and maps, `range` on numbers, `pattern` on strings, and
 * `enum` to give the SDK's enum values in the model's order.
 */
function withConstraints(shape, constraints, key) {
  const out = typeof shape === 'string' ? { type: shape } : { ...shape };
  const kind = out.list ? 'list' : out.map ? 'map' : out.structure ? 'structure' : out.type;
  for (const [name, value] of Object.entries(constraints)) {
    if (name === 'from') continue;
    const fits =
      (name === 'length' && ['string', 'list', 'map', 'blob'].includes(kind)) ||
      (name === 'range' && kind === 'number') ||
      (name === 'pattern' && kind === 'string') ||
      (name === 'enum' && Array.isArray(out.enum));
    if (name === 'enum' && fits) {
      // The model's order of the SDK's values (AWS lists them in that order); the set itself comes from the SDK.
      const same = value.length === out.enum.length && value.every((v) => out.enum.includes(v));
      if (!same)
        throw new Error(
          `overlay '${key}': enum ${JSON.stringify(value)} is not the SDK's set ${JSON.stringify(out.enum)}`,
        );
    }
    if (!fits) throw new Error(`overlay '${key}': '${name}' does not apply to a ${kind}`);
    if (name === 'pattern' && !compiles(value))
      throw new Error(`overlay '${key}': JavaScript cannot compile /${value}/`);
    out[name] = value;
  }
  return out;
}

/** As the runtime compiles patterns (src/validator.ts compilePattern): with the `u` flag, or without. */
function compiles(pattern) {
  for (const flags of ['u', '']) {
    try {
      new RegExp(`^(?:${pattern})$`, flags);
      return true;
    } catch {
      // try the next flags
    }
  }
  return false;
}

function readOperationNames(dir) {
  return fs
    .readdirSync(path.join(dir, 'dist-types/commands'))
    .filter((f) => f.endsWith('Command.d.ts'))
    .map((f) => f.replace(/Command\.d\.ts$/, ''))
    .sort();
}

/** The errors a command documents (`@throws {@link X} (client fault)`), without the service's base exception. */
function readThrows(dir, operation) {
  const text = fs.readFileSync(path.join(dir, `dist-types/commands/${operation}Command.d.ts`), 'utf8');
  const names = [...text.matchAll(/@throws \{@link (\w+)\} \((?:client|server) fault\)/g)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

/** Enum values by enum name, and `Structure$member` → enum name, from the package's declarations. */
function readEnums(dir) {
  const ts = fromRoot('typescript');
  const modelsDir = path.join(dir, 'dist-types/models');
  const values = new Map();
  const members = new Map();
  const files = fs.readdirSync(modelsDir).filter((f) => f.endsWith('.d.ts'));
  const parse = (file) =>
    ts.createSourceFile(file, fs.readFileSync(path.join(modelsDir, file), 'utf8'), ts.ScriptTarget.Latest);
  for (const file of files) {
    parse(file).forEachChild((node) => {
      if (!ts.isVariableStatement(node)) return;
      for (const decl of node.declarationList.declarations) {
        if (!decl.type || !ts.isTypeLiteralNode(decl.type)) continue;
        const literals = decl.type.members
          .map((m) => (m.type && ts.isLiteralTypeNode(m.type) ? m.type.literal : undefined))
          .filter((l) => l && (ts.isStringLiteral(l) || ts.isNumericLiteral(l)));
        if (literals.length !== decl.type.members.length || literals.length === 0) continue;
        if (!ts.isIdentifier(decl.name)) continue;
        values.set(
          decl.name.text,
          literals.map((l) => (ts.isStringLiteral(l) ? l.text : Number(l.text))).sort(compareValues),
        );
      }
    });
  }
  /** The enum a member's type names, through `X[]`, `Record<string, X>` and `| undefined`. */
  function enumOf(type) {
    if (!type) return undefined;
    if (ts.isUnionTypeNode(type)) return type.types.map(enumOf).find(Boolean);
    if (ts.isArrayTypeNode(type)) return enumOf(type.elementType);
    if (ts.isTypeReferenceNode(type)) {
      const name = ts.isIdentifier(type.typeName) ? type.typeName.text : undefined;
      if (name === 'Record' && type.typeArguments?.length === 2) return enumOf(type.typeArguments[1]);
      return values.has(name) ? name : undefined;
    }
    return undefined;
  }
  for (const file of files) {
    const source = parse(file);
    source.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node)) return;
      for (const member of node.members) {
        if (!ts.isPropertySignature(member) || !member.name || !ts.isIdentifier(member.name)) continue;
        const name = enumOf(member.type);
        if (name) members.set(`${node.name.text}$${member.name.text}`, name);
      }
    });
  }
  return { values, members };
}

function compareValues(a, b) {
  return typeof a === 'number' && typeof b === 'number'
    ? a - b
    : String(a) < String(b)
      ? -1
      : String(a) > String(b)
        ? 1
        : 0;
}

/** Protocol settings from a client instance's resolved configuration (no request is sent). */
function readProtocol(sdk, packageName) {
  const clientName = Object.keys(sdk).find(
    (k) => k.endsWith('Client') && typeof sdk[k] === 'function' && sdk[k].prototype?.send && !k.startsWith('_'),
  );
  if (!clientName) throw new Error(`${packageName} exports no client`);
  const client = new sdk[clientName]({
    region: 'us-east-1',
    credentials: { accessKeyId: 'generate', secretAccessKey: 'generate' },
  });
  try {
    const { protocol, protocolSettings } = client.config;
    const info = { protocol: protocol.getShapeId().replace(/^aws\.protocols#/, '') };
    if (protocolSettings.serviceTarget) info.targetPrefix = protocolSettings.serviceTarget;
    if (protocolSettings.version) info.apiVersion = protocolSettings.version;
    if (protocolSettings.defaultNamespace) info.namespace = protocolSettings.defaultNamespace;
    if (protocolSettings.xmlNamespace) info.xmlNamespace = protocolSettings.xmlNamespace;
    return info;
  } finally {
    client.destroy();
  }
}

function sortKeys(object) {
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((k) => [k, object[k]]),
  );
}

function sha256(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

module.exports = { buildModel, renderModel, readServices, compiles, ROOT };

if (require.main === module) {
  // The SDK warns about Node versions on client creation; the generator only reads configuration.
  process.removeAllListeners('warning');
  process.on('warning', () => {});
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`generate: ${error.stack}`);
    process.exitCode = 1;
  }
}
