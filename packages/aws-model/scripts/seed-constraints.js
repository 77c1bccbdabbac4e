#!/usr/bin/env node
// Dev-time only, never run by CI: seeds a service's constraints overlay (lengths, ranges, patterns, which
// no current npm model carries) from the botocore model that Debian's `awscli` package ships:
//   /usr/lib/python3/dist-packages/awscli/botocore/data/<botocore name>/<api version>/service-2.json
//
//   node packages/aws-model/scripts/seed-constraints.js <service> [<botocore name>] [--enum-order]
//
// --enum-order also records the model's order of enum values (AWS's messages list them in that order; the
// SDK's declarations sort them), for enums whose value set is the same in both.
// Writes the `overlay` file named in services.json: one entry per member of a structure reachable from an
// operation input that the installed SDK still has, `{"length": [min, max], "range": …, "pattern": …}`,
// plus where it came from. Patterns JavaScript cannot compile are listed under `skipped`, not guessed.
// Review the diff, then run `npm run generate`. Hand-added entries (members newer than the botocore
// model) are kept when you re-seed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { buildModel, compiles, readServices, ROOT } = require('./generate');

const BOTOCORE = process.env.BOTOCORE_DATA ?? '/usr/lib/python3/dist-packages/awscli/botocore/data';

function main(args) {
  const enumOrder = args.includes('--enum-order');
  const [service, botocoreName = service] = args.filter((a) => !a.startsWith('--'));
  const entry = readServices()[service];
  if (!entry || !entry.overlay) throw new Error(`services.json has no overlay for '${service}'`);
  const versions = fs.readdirSync(path.join(BOTOCORE, botocoreName)).sort();
  const file = path.join(BOTOCORE, botocoreName, versions[versions.length - 1], 'service-2.json');
  const botocore = JSON.parse(fs.readFileSync(file, 'utf8'));
  const model = buildModel(service, { ...entry, overlay: undefined });

  const reachable = new Set();
  const visit = (shape) => {
    if (!shape || typeof shape === 'string') return;
    if (shape.list) return visit(shape.list);
    if (shape.map) return visit(shape.map);
    if (shape.structure && !reachable.has(shape.structure)) {
      reachable.add(shape.structure);
      for (const member of Object.values(model.structures[shape.structure].members)) visit(member);
    }
  };
  for (const op of Object.values(model.operations)) if (op.input) visit({ structure: op.input });

  const overlayFile = path.resolve(ROOT, entry.overlay);
  const previous = fs.existsSync(overlayFile) ? JSON.parse(fs.readFileSync(overlayFile, 'utf8')) : { members: {} };
  const from = `botocore ${botocoreName} ${versions[versions.length - 1]} (${awscliVersion()})`;
  const members = {};
  const skipped = {};
  for (const structName of [...reachable].sort()) {
    const shape = botocore.shapes[structName];
    if (!shape || shape.type !== 'structure') continue;
    for (const [member, ref] of Object.entries(shape.members)) {
      if (!(member in model.structures[structName].members)) continue;
      const target = botocore.shapes[ref.shape];
      const constraints = {};
      const bounds =
        target.min !== undefined || target.max !== undefined ? [target.min ?? null, target.max ?? null] : null;
      if (bounds && ['string', 'list', 'map', 'blob'].includes(target.type)) constraints.length = bounds;
      if (bounds && ['integer', 'long', 'float', 'double'].includes(target.type)) constraints.range = bounds;
      if (target.pattern !== undefined && target.type === 'string') {
        if (compiles(target.pattern)) constraints.pattern = target.pattern;
        else skipped[`${structName}$${member}`] = target.pattern;
      }
      const sdkEnum = enumOf(model.structures[structName].members[member]);
      if (enumOrder && target.enum && sdkEnum && sameSet(target.enum, sdkEnum) && !sameOrder(target.enum, sdkEnum)) {
        constraints.enum = target.enum;
      }
      if (Object.keys(constraints).length > 0) members[`${structName}$${member}`] = { ...constraints, from };
    }
  }
  // Entries added or edited by hand (`from` not a botocore model) survive a re-seed and win over botocore.
  for (const [key, value] of Object.entries(previous.members ?? {})) {
    if (value.from && !value.from.startsWith('botocore ')) members[key] = value;
  }
  const sorted = Object.fromEntries(
    Object.keys(members)
      .sort()
      .map((k) => [k, members[k]]),
  );
  const out = {
    $comment:
      'Lengths, ranges and patterns of the API model, which the SDK packages leave out. Seeded by ' +
      'packages/aws-model/scripts/seed-constraints.js; entries may be edited or added by hand (say where from in `from`).',
    members: sorted,
    ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
  };
  fs.mkdirSync(path.dirname(overlayFile), { recursive: true });
  fs.writeFileSync(overlayFile, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${Object.keys(sorted).length} members to ${entry.overlay} from ${file}`);
}

function enumOf(shape) {
  return shape && typeof shape === 'object' ? shape.enum : undefined;
}
const sameSet = (a, b) => a.length === b.length && a.every((v) => b.includes(v));
const sameOrder = (a, b) => a.every((v, i) => b[i] === v);

function awscliVersion() {
  try {
    const init = fs.readFileSync(path.join(BOTOCORE, '../../__init__.py'), 'utf8');
    return `awscli ${/__version__ = '([^']+)'/.exec(init)[1]}`;
  } catch {
    return 'awscli';
  }
}

process.removeAllListeners('warning'); // the SDK's Node version notice; only configuration is read
try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`seed-constraints: ${error.message}`);
  process.exitCode = 1;
}
