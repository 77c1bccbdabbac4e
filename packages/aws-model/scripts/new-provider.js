#!/usr/bin/env node
// Starts a new provider on the shared model: `npm run new-provider -- <service> [--sdk <package>]`.
//
//   <service>    the SigV4 signing name the gateway routes by (secretsmanager, ssm, ecr, servicediscovery…)
//   --sdk        the AWS SDK v3 client package, if not @aws-sdk/client-<service>; install it first:
//                `npm install -D @aws-sdk/client-secrets-manager`
//   --dir <dir>  write the package there instead of packages/<service>-provider, without registering it
//                (tests use this)
//
// Writes packages/<service>-provider: the generated model, a provider whose every operation answers
// NotImplementedException (501) until it has a handler, input validation by the shared rule, a store per
// account and region on @localcloud/persistence, a docs page and an e2e test through the SDK client. It also
// registers the service in packages/aws-model/services.json and the root tsconfig.json, and seeds the
// constraints overlay from Debian's awscli botocore models when they are installed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { buildModel, ROOT } = require('./generate');

const WIRE_PROTOCOLS = { awsJson1_0: 'json1.0', awsJson1_1: 'json1.1', awsQuery: 'query' };

function main(argv) {
  const options = { sdk: undefined, dir: undefined };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sdk') options.sdk = argv[++i];
    else if (argv[i] === '--dir') options.dir = argv[++i];
    else positional.push(argv[i]);
  }
  const [service] = positional;
  if (!service || !/^[a-z][a-z0-9-]*$/.test(service)) {
    throw new Error('usage: npm run new-provider -- <service signing name> [--sdk @aws-sdk/client-…] [--dir <dir>]');
  }
  const sdkPackage = options.sdk ?? `@aws-sdk/client-${service}`;
  let sdk;
  try {
    sdk = require(require.resolve(sdkPackage, { paths: [ROOT] }));
  } catch {
    throw new Error(`${sdkPackage} is not installed: \`npm install -D ${sdkPackage}\` first (or name it with --sdk)`);
  }
  const register = options.dir === undefined;
  const packageName = `${service}-provider`;
  const dir = path.resolve(options.dir ?? path.join(ROOT, 'packages', packageName));
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`${dir} exists and is not empty`);

  const rel = (file) => path.relative(ROOT, path.join(dir, file));
  const entry = {
    package: sdkPackage,
    out: register ? rel(`src/generated/${service}-model.json`) : path.join(dir, `src/generated/${service}-model.json`),
    overlay: register ? rel(`model/${service}.constraints.json`) : path.join(dir, `model/${service}.constraints.json`),
  };
  const model = buildModel(service, { ...entry, overlay: undefined });
  const wire = WIRE_PROTOCOLS[model.service.protocol];
  if (!wire) {
    throw new Error(
      `${service} speaks ${model.service.protocol}; the gateway serves AWS JSON and AWS Query only so far: add that protocol ` +
        'to packages/gateway first (docs/architecture.md, "Bad input" has its rules)',
    );
  }
  const clientClass = Object.keys(sdk).find((k) => k.endsWith('Client') && !k.startsWith('_'));
  const name = clientClass.replace(/Client$/, '');
  const ops = Object.entries(model.operations);
  const withoutRequired = ops.find(([, op]) => op.input && model.structures[op.input].required.length === 0);
  const withRequired = ops.find(([, op]) => op.input && model.structures[op.input].required.length > 0);
  const vars = {
    service,
    name,
    packageName,
    sdkPackage,
    clientClass,
    wire,
    targetPrefix: model.service.targetPrefix,
    apiVersion: model.service.apiVersion,
    xmlNamespace: model.service.xmlNamespace,
    validationCode: wire === 'query' ? 'ValidationError' : 'ValidationException',
    operationCount: ops.length,
    openOperation: withoutRequired?.[0],
    requiredOperation: withRequired?.[0],
    requiredMember: withRequired && model.structures[withRequired[1].input].required[0],
  };

  const files = {
    'package.json': packageJson(vars),
    'tsconfig.json': tsconfigJson(),
    'model/.keep': '',
    'src/index.ts': indexTs(vars),
    'src/provider.ts': providerTs(vars),
    'src/operations.ts': operationsTs(vars),
    'src/store.ts': storeTs(vars),
    'src/testing/index.ts': testingTs(vars),
    [`test/${service}.e2e.test.ts`]: e2eTest(vars),
  };
  for (const [file, text] of Object.entries(files)) write(path.join(dir, file), text);
  fs.rmSync(path.join(dir, 'model/.keep'));
  const docsFile = register
    ? path.join(ROOT, 'docs', `${packageName}.md`)
    : path.join(dir, 'docs', `${packageName}.md`);
  write(docsFile, docsPage(vars));

  const overlayFile = path.resolve(ROOT, entry.overlay);
  write(overlayFile, JSON.stringify({ $comment: OVERLAY_COMMENT, members: {} }, null, 2) + '\n');
  if (register) {
    const servicesFile = path.join(__dirname, '../services.json');
    const services = JSON.parse(fs.readFileSync(servicesFile, 'utf8'));
    services[service] = entry;
    fs.writeFileSync(servicesFile, JSON.stringify(services, null, 2) + '\n');
    const tsconfigFile = path.join(ROOT, 'tsconfig.json');
    const tsconfig = JSON.parse(fs.readFileSync(tsconfigFile, 'utf8'));
    tsconfig.references.push({ path: `packages/${packageName}` });
    // One reference a line, as the file is written by hand (a diff of one line, not a reformat).
    const text = JSON.stringify(tsconfig, null, 2).replace(/\{\s+("path": "[^"]+")\s+\}/g, '{ $1 }');
    fs.writeFileSync(tsconfigFile, text + '\n');
    seedIfPossible(service);
  }
  const { spawnSync } = require('node:child_process');
  const prettier = require.resolve('prettier/bin/prettier.cjs', { paths: [ROOT] });
  spawnSync(process.execPath, [prettier, '--write', '--log-level', 'warn', dir, docsFile], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  // After prettier: the model records the overlay's hash, and prettier rewrites the seeded overlay.
  const { renderModel } = require('./generate');
  write(path.resolve(ROOT, entry.out), renderModel(service, entry));

  console.log(`created ${path.relative(process.cwd(), dir) || dir}: ${ops.length} operations, all answering 501`);
  if (register) {
    console.log(
      [
        'next:',
        `  npm install                                  (links @localcloud/${packageName})`,
        `  npm install -D ${sdkPackage}     (if not yet a devDependency)`,
        `  add '${service}: '@localcloud/${packageName}'' to BUNDLED_PROVIDERS in packages/gateway/src/config.ts`,
        `  add ${name.toUpperCase()}_INPUT_MODEL to MODELS in packages/gateway/test/fuzz.e2e.test.ts`,
        `  npx jest packages/${packageName}`,
      ].join('\n'),
    );
  }
}

function seedIfPossible(service) {
  const { spawnSync } = require('node:child_process');
  const botocore = process.env.BOTOCORE_DATA ?? '/usr/lib/python3/dist-packages/awscli/botocore/data';
  const botocoreName = { elasticloadbalancing: 'elbv2' }[service] ?? service;
  if (!fs.existsSync(path.join(botocore, botocoreName))) {
    console.log(`no botocore model for ${service} here: the constraints overlay starts empty`);
    return;
  }
  spawnSync(process.execPath, [path.join(__dirname, 'seed-constraints.js'), service, botocoreName], {
    stdio: 'inherit',
  });
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const OVERLAY_COMMENT =
  'Lengths, ranges and patterns of the API model, which the SDK packages leave out. Seeded by ' +
  'packages/aws-model/scripts/seed-constraints.js; entries may be edited or added by hand (say where from in `from`).';

const packageJson = (v) =>
  JSON.stringify(
    {
      name: `@localcloud/${v.packageName}`,
      version: '0.1.0',
      private: true,
      description: `${v.name} for localcloud`,
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      dependencies: {
        '@localcloud/aws-model': '0.1.0',
        '@localcloud/gateway': '0.1.0',
        '@localcloud/persistence': '0.1.0',
      },
    },
    null,
    2,
  ) + '\n';

const tsconfigJson = () =>
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src/**/*.ts', 'src/generated/*.json'],
      exclude: ['src/**/*.test.ts', 'src/testing/**'],
      references: [{ path: '../gateway' }, { path: '../aws-model' }, { path: '../persistence' }],
    },
    null,
    2,
  ) + '\n';

const indexTs = (v) => `import type { ProviderFactory } from '@localcloud/gateway';
import { ${v.name}Provider } from './provider';

/** The plugin entry point the gateway loads for \`SERVICES=${v.service}\`. */
export const createProvider: ProviderFactory = (context) => new ${v.name}Provider(context);
export { ${v.name}Provider } from './provider';
`;

const providerTs = (v) => `import type { ProviderContext } from '@localcloud/gateway';
import { openStateStore } from '@localcloud/persistence';
import { ModelledProvider, ${v.wire === 'query' ? 'QueryCodec, ' : ''}lazyServiceModel, type AccountRegion } from '@localcloud/aws-model';
import { ${v.name.toUpperCase()}_HANDLERS, type ${v.name}Scope } from './operations';
import { ${v.name}Store } from './store';

/** The API model generated from ${v.sdkPackage} (\`npm run generate\`). */
// Read on the first request that needs it, not at start (docs/benchmarks.md, third round).
export const ${v.name.toUpperCase()}_MODEL = lazyServiceModel(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('./generated/${v.service}-model.json'),
);

/**
 * ${v.name} as a localcloud provider plugin. \`ModelledProvider\` does the wiring: the model's operations,
 * input validation by the shared rule, redaction for the DEBUG log, dispatch to the handlers, a store per
 * account and region (persistent with PERSISTENCE=1), stop and health.
 */
export class ${v.name}Provider extends ModelledProvider<${v.name}Store, ${v.name}Scope> {${
  v.wire === 'query'
    ? `\n  /** Reads the form-encoded requests and writes the XML results as the model names them. */\n  readonly queryCodec = new QueryCodec(${v.name.toUpperCase()}_MODEL);\n`
    : ''
}
  constructor(context: ProviderContext) {
    super(context, {
      service: ${serviceLine(v)},
      model: ${v.name.toUpperCase()}_MODEL,
      handlers: ${v.name.toUpperCase()}_HANDLERS,
      // Constraint violations answer ${v.validationCode}; set \`validationErrorCode\` if this service says otherwise.
    });
  }

  protected openStore(dir: string | undefined): ${v.name}Store {
    return new ${v.name}Store(openStateStore({ dir }));
  }

  protected scopeFor(where: AccountRegion): ${v.name}Scope {
    const scope = { accountId: where.accountId, region: where.region };
    return { scope, store: this.stores.get(scope.accountId, scope.region) };
  }
}
`;

/** The provider's service descriptor: how the gateway recognises and speaks its protocol. */
const serviceLine = (v) =>
  v.wire === 'query'
    ? `{ name: '${v.service}', protocol: 'query', apiVersion: '${v.apiVersion}', xmlNamespace: '${v.xmlNamespace}' }`
    : `{ name: '${v.service}', targetPrefix: '${v.targetPrefix}', protocol: '${v.wire}' }`;

const operationsTs = (v) => `import type { OperationHandler } from '@localcloud/gateway';
import type { ${v.name}Store } from './store';

/** What every handler works on: the caller's account and region, and only that state. */
export interface ${v.name}Scope {
  readonly scope: { readonly accountId: string; readonly region: string };
  readonly store: ${v.name}Store;
}

/**
 * The ${v.name} operations localcloud implements, by API operation name. Every other operation of the API
 * (${v.operationCount} in the model) answers NotImplementedException (501).
 */
export const ${v.name.toUpperCase()}_HANDLERS: Readonly<Record<string, OperationHandler<${v.name}Scope>>> = {};
`;

const storeTs = (v) => `import type { StateStore } from '@localcloud/persistence';

/** The state of one account and region: durable tables of a @localcloud/persistence store. */
export class ${v.name}Store {
  constructor(private readonly state: StateStore) {}

  /** A durable table of this account and region, e.g. \`this.table<SecretRecord>('secrets')\`. */
  table<T>(name: string) {
    return this.state.table<T>(\`${v.service}.\${name}\`);
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }
}
`;

const testingTs = (
  v,
) => `// Test support shared with other packages' suites as \`@localcloud/${v.packageName}/testing\`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { inputModelOf } from '@localcloud/aws-model/testing';
import { ${v.name.toUpperCase()}_MODEL } from '../provider';

/** The input shapes the provider validates with, for the gateway's request fuzzer (packages/gateway/test/fuzz.e2e.test.ts). */
export const ${v.name.toUpperCase()}_INPUT_MODEL: InputModel = inputModelOf(${v.name.toUpperCase()}_MODEL);
`;

const e2eTest = (v) => `import {
  ${v.clientClass},${v.openOperation ? `\n  ${v.openOperation}Command,` : ''}${
    v.requiredOperation && v.requiredOperation !== v.openOperation ? `\n  ${v.requiredOperation}Command,` : ''
  }
} from '${v.sdkPackage}';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';

describe('${v.name} through the AWS SDK', () => {
  let gateway: TestGateway;
  let client: ${v.clientClass};

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { SERVICES: '${v.service}' }, providers: { ${JSON.stringify(v.service)}: createProvider } });
    client = new ${v.clientClass}({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
  });
  afterAll(async () => {
    client.destroy();
    await gateway.close();
  });

  const failure = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (error) {
      return error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
    }
    throw new Error('expected the call to fail');
  };
${
  v.openOperation
    ? `
  it('answers an operation without a handler with NotImplementedException (501)', async () => {
    const error = await failure(client.send(new ${v.openOperation}Command({})));
    expect(error).toMatchObject({ name: 'NotImplementedException', $metadata: { httpStatusCode: 501 } });
  });
`
    : ''
}${
  v.requiredOperation
    ? `
  it('validates input against the model before any handler', async () => {
    const error = await failure(client.send(new ${v.requiredOperation}Command({} as never)));
    expect(error).toMatchObject({ name: '${v.validationCode}', $metadata: { httpStatusCode: 400 } });
    expect(error.message).toContain("Value null at '${v.requiredMember}' failed to satisfy constraint: Member must not be null");
  });
`
    : ''
}});
`;

const docsPage = (v) => `# ${v.name} provider

\`packages/${v.packageName}\` (\`@localcloud/${v.packageName}\`) serves ${v.name}. The gateway routes to it by the
signing name \`${v.service}\` ${
  v.wire === 'query'
    ? `(AWS Query, version \`${v.apiVersion}\`)`
    : `and the \`X-Amz-Target\` prefix \`${v.targetPrefix}\` (AWS JSON ${v.wire.slice(4)})`
}; it is enabled
by \`SERVICES\` (\`SERVICES=${v.service}\`).

## Operations

| Operation | What localcloud does |
| --- | --- |

Every other operation of the ${v.name} API (${v.operationCount}, from \`${v.sdkPackage}\`) answers
\`NotImplementedException\` (HTTP 501).

## Validation

Inputs are checked before any handler against \`src/generated/${v.service}-model.json\` (\`npm run generate\`) and
the constraints overlay \`model/${v.service}.constraints.json\`, by the rule every provider shares
([Architecture](architecture.md#bad-input)): ${
  v.wire === 'query'
    ? 'a value that does not parse as its type, missing members and constraint violations are one `ValidationError`'
    : 'a wrong JSON type is `SerializationException`, missing members and constraint violations one `ValidationException`'
}.

## State

Per account and region, in a \`@localcloud/persistence\` store below \`<DATA_DIR>/${v.service}/<account>/<region>\`
with \`PERSISTENCE=1\`, in memory otherwise.
`;

try {
  process.removeAllListeners('warning'); // the SDK's Node version notice
  main(process.argv.slice(2));
} catch (error) {
  console.error(`new-provider: ${error.message}`);
  process.exitCode = 1;
}
