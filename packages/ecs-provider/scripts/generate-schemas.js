// Writes src/generated/ecs-input-schemas.json: one JSON Schema whose `definitions` hold the input shape
// of every ECS operation, derived mechanically from the official model as the AWS SDK for JavaScript v3
// (@aws-sdk/client-ecs) types it. Regenerate after upgrading the SDK: `npm run generate -w @localcloud/ecs-provider`.
//
// What the types cannot say is adjusted here, in one place:
// - timestamps (`Date` in the SDK) travel as epoch seconds in AWS JSON 1.1, so they become numbers;
// - tagged unions carry an SDK-only `$unknown` member, which is dropped;
// - unknown members are allowed (AWS ignores them), so `additionalProperties` is left open;
// - members the API requires are typed `name: T | undefined` (no `?`) by the SDK; the generator takes the
//   `| undefined` as optional, so they are read here from the declarations with the TypeScript compiler and
//   written back as `required`. What the model leaves optional but ECS still requires (a container's name
//   and image) is an ECS rule, checked in src/domain/task-definition.ts.
const fs = require('node:fs');
const path = require('node:path');
const { createGenerator } = require('ts-json-schema-generator');

const sdkDir = path.dirname(require.resolve('@aws-sdk/client-ecs/package.json'));
const commandsDir = path.join(sdkDir, 'dist-types/commands');
const operations = [];
for (const file of fs.readdirSync(commandsDir).sort()) {
  const match = /^(\w+)Command\.d\.ts$/.exec(file);
  if (!match) continue;
  const source = fs.readFileSync(path.join(commandsDir, file), 'utf8');
  const input = /export interface \w+CommandInput extends (\w+) \{/.exec(source);
  if (!input) throw new Error(`cannot find the input type of ${match[1]}`);
  operations.push({ operation: match[1], type: input[1] });
}

const entry = path.join(__dirname, '.ecs-inputs.generated.ts');
fs.writeFileSync(
  entry,
  `import type { ${operations.map((o) => o.type).join(', ')} } from '@aws-sdk/client-ecs';\n` +
    `export interface EcsOperationInputs {\n${operations.map((o) => `  ${o.operation}: ${o.type};`).join('\n')}\n}\n`,
);
let schema;
const started = Date.now();
try {
  schema = createGenerator({
    path: entry,
    type: 'EcsOperationInputs',
    tsconfig: path.join(__dirname, '../../../tsconfig.base.json'),
    skipTypeCheck: true,
    jsDoc: 'none',
    // Generated closed (with open objects the generator mis-types the SDK's `const` enums), then opened below.
    additionalProperties: false,
    topRef: false,
    expose: 'export',
  }).createSchema('EcsOperationInputs');
} finally {
  fs.rmSync(entry, { force: true });
}

/** Interface name → members declared without `?` in the SDK's model declarations. */
function requiredMembers() {
  const ts = require('typescript');
  const required = new Map();
  const modelsDir = path.join(sdkDir, 'dist-types/models');
  for (const file of fs.readdirSync(modelsDir).filter((f) => f.endsWith('.d.ts'))) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(modelsDir, file), 'utf8'),
      ts.ScriptTarget.Latest,
    );
    source.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node)) return;
      const names = node.members
        .filter((m) => ts.isPropertySignature(m) && !m.questionToken && m.name && ts.isIdentifier(m.name))
        .map((m) => m.name.text)
        .filter((name) => !name.startsWith('$'));
      if (names.length > 0) required.set(node.name.text, names);
    });
  }
  return required;
}

/** Walks every sub-schema, letting `fix` rewrite it in place. */
function walk(node, fix) {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, fix));
  if (!node || typeof node !== 'object') return;
  fix(node);
  for (const value of Object.values(node)) walk(value, fix);
}

const isUnknownMember = (s) =>
  s && s.properties && s.properties.$unknown && s.required && s.required.includes('$unknown');
walk(schema, (node) => {
  // Date → epoch seconds (AWS JSON 1.1); a string form is accepted too, as the SDKs never send it.
  if (node.format === 'date-time' && node.type === 'string') {
    delete node.format;
    node.type = 'number';
  }
  if (node.properties && node.properties.$unknown) {
    delete node.properties.$unknown;
    if (node.required) node.required = node.required.filter((r) => r !== '$unknown');
    if (node.required && node.required.length === 0) delete node.required;
  }
  for (const key of ['anyOf', 'oneOf']) {
    if (Array.isArray(node[key]))
      node[key] = node[key].filter((s) => !isUnknownMember(s) && !(s.$ref || '').endsWith('UnknownMember'));
  }
  // Unknown members are ignored by AWS, not rejected.
  if (node.additionalProperties === false) delete node.additionalProperties;
});
for (const [name, def] of Object.entries(schema.definitions)) {
  if (name.endsWith('UnknownMember')) delete schema.definitions[name];
  else if (isUnknownMember(def)) delete schema.definitions[name];
}

const required = requiredMembers();
let requiredCount = 0;
for (const [name, def] of Object.entries(schema.definitions)) {
  const members = required.get(name);
  if (!members || !def.properties) continue;
  def.required = [...new Set([...(def.required ?? []), ...members.filter((m) => m in def.properties)])];
  requiredCount += def.required.length;
}

// The wrapper interface is replaced by a map operation → input shape name.
const out = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $comment: 'Generated by scripts/generate-schemas.js from @aws-sdk/client-ecs. Do not edit.',
  sdkVersion: require('@aws-sdk/client-ecs/package.json').version,
  operations: Object.fromEntries(operations.map((o) => [o.operation, o.type])),
  definitions: Object.fromEntries(
    Object.entries(schema.definitions)
      .filter(([name]) => name !== 'EcsOperationInputs')
      .sort(([a], [b]) => a.localeCompare(b)),
  ),
};
const file = path.join(__dirname, '../src/generated/ecs-input-schemas.json');
fs.writeFileSync(file, JSON.stringify(out) + '\n');
console.log(
  `wrote ${operations.length} operation inputs, ${Object.keys(out.definitions).length} definitions ` +
    `(${requiredCount} required members), ` +
    `${fs.statSync(file).size} bytes to ${path.relative(process.cwd(), file)} in ${Date.now() - started} ms`,
);
